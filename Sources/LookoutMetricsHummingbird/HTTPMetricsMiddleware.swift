import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutMetrics
import Prometheus

/// Records `http_requests_total`, `http_request_duration_seconds`, `http_requests_in_flight` and the request and
/// response size histograms for every request that is not excluded: operational paths, and synthetic probes (the
/// prober's requests, by their secret), so that the request metrics, and the alerts on them, describe users' traffic only, as the
/// request SLOs do. The prober's view has its own series (`probe_*`, `lookout_probe_*`).
///
/// Label values are bounded: `route` is the matched route template (`/api/v1/generations/{id}`), or
/// ``Configuration/unmatchedRoute`` for every request no route matched; methods outside the standard set become `OTHER`;
/// `status` is the exact code. A handler that throws is recorded with the status its error will be answered with (an
/// `HTTPResponseError`'s, else 500), and its duration.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public struct Configuration: Sendable {
        /// Paths not recorded. A trailing `*` matches any suffix. Default: `/metrics`, `/health*`, `/docs`, `/openapi.json`.
        public var excludedPaths: [String] = ["/metrics", "/health*", "/docs", "/openapi.json"]
        /// Requests carrying this secret in `X-Lookout-Probe` (``RequestFilter/probeHeader``) are not recorded: the
        /// prober's own requests, whose steady trickle would otherwise satisfy the alerts' minimum-traffic guards on an
        /// idle service and hide a drop in real traffic. Default: none.
        public var probeSecret: String?
        /// The `route` label of requests that matched no route. Default: `unmatched`.
        public var unmatchedRoute = "unmatched"

        public init() {}
    }

    private let configuration: Configuration
    private let metrics: HTTPMetrics
    private let filter: RequestFilter

    public init(registry: MetricsRegistry, configuration: Configuration = .init()) {
        self.configuration = configuration
        self.metrics = HTTPMetrics(registry: registry)
        self.filter = RequestFilter(paths: configuration.excludedPaths, probeSecret: configuration.probeSecret)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if filter.excludes(request) { return try await next(request, context) }
        metrics.requestStarted()
        let start = ContinuousClock.now
        let requestSize = request.headers[.contentLength].flatMap(Int.init) ?? 0
        do {
            let response = try await next(request, context)
            let status = response.status.code
            return response.whenWritten { [self] bytes in
                record(request, context, status: status, start: start, requestSize: requestSize, responseSize: bytes)
            }
        } catch {
            record(request, context, status: HandledRequest.status(of: error), start: start, requestSize: requestSize, responseSize: 0)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant, requestSize: Int, responseSize: Int) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        let route = HandledRequest.routeTemplate(context) ?? configuration.unmatchedRoute
        metrics.record(
            method: Self.methodLabel(request.method), route: route, status: status,
            seconds: Double(seconds) + Double(attoseconds) * 1e-18, requestBytes: requestSize, responseBytes: responseSize
        )
    }

    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .connect, .options, .trace, .patch: method.rawValue
        default: "OTHER"
        }
    }
}
