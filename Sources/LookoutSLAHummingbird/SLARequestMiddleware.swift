import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutSLA

/// Counts every request toward the request-based objectives, as the client saw it: `request_availability` and
/// `error_rate` (good: not a 5xx) and `latency` (good: answered within the threshold). Probes, scrapes and the SLA
/// endpoints themselves are left out, and so are synthetic probes (they have the probe-based `availability` objective).
/// Place it outermost (after metrics), so that it sees final statuses; a thrown error counts with the status it will be
/// answered with (an `HTTPResponseError`'s, else 500).
public struct SLARequestMiddleware<Context: RequestContext>: RouterMiddleware {
    public struct Configuration: Sendable {
        /// Paths not counted; a trailing `*` matches a prefix. Default: `/metrics`, `/health*`, `/docs`,
        /// `/openapi.json`, `/sla*`, `/status`.
        public var excludedPaths: [String] = ["/metrics", "/health*", "/docs", "/openapi.json", "/sla*", "/status"]
        /// Requests carrying this secret in `X-Lookout-Probe` (``RequestFilter/probeHeader``) are not counted: the
        /// prober's own requests, whose results count toward `availability` instead. Default: none.
        public var probeSecret: String?
        /// A request answered within this is good for `latency`. Default: 1 s.
        public var latencyThreshold: Duration = .seconds(1)
        /// The wall clock that places events in minutes.
        public var now: @Sendable () -> Date = Date.init
        /// The monotonic clock that times each request for `latency`. Default: `ContinuousClock.now`; a test gives
        /// one it moves, so that "slow" does not depend on how fast the machine is.
        public var monotonicNow: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }

        public init() {}
    }

    let recorder: SLARecorder
    let configuration: Configuration
    private let filter: RequestFilter

    public init(recorder: SLARecorder, configuration: Configuration = Configuration()) {
        self.recorder = recorder
        self.configuration = configuration
        self.filter = RequestFilter(paths: configuration.excludedPaths, probeSecret: configuration.probeSecret)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if filter.excludes(request) { return try await next(request, context) }
        let start = configuration.monotonicNow()
        do {
            let response = try await next(request, context)
            let status = Int(response.status.code)
            return response.whenWritten { [self] _ in record(status: status, elapsed: configuration.monotonicNow() - start) }
        } catch {
            record(status: HandledRequest.status(of: error), elapsed: configuration.monotonicNow() - start)
            throw error
        }
    }

    private func record(status: Int, elapsed: Duration) {
        let answered = status < 500
        recorder.record(
            [("request_availability", answered), ("error_rate", answered), ("latency", elapsed <= configuration.latencyThreshold)],
            at: configuration.now()
        )
    }
}
