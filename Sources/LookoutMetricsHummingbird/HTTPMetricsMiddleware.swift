import HTTPTypes
import Hummingbird
import LookoutMetrics
import Prometheus
import Synchronization

/// Records `http_requests_total`, `http_request_duration_seconds`, `http_requests_in_flight` and the request and
/// response size histograms for every request that is not excluded.
///
/// Label values are bounded: `route` is the matched route template (`/api/v1/generations/{id}`), or
/// ``Configuration/unmatchedRoute`` for every request no route matched; methods outside the standard set become `OTHER`;
/// `status` is the exact code. A handler that throws is recorded with the status its error maps to, and its duration.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public struct Configuration: Sendable {
        /// Paths not recorded. A trailing `*` matches any suffix. Default: `/metrics`, `/health*`, `/docs`, `/openapi.json`.
        public var excludedPaths: [String] = ["/metrics", "/health*", "/docs", "/openapi.json"]
        /// The `route` label of requests that matched no route. Default: `unmatched`.
        public var unmatchedRoute = "unmatched"

        public init() {}
    }

    private let configuration: Configuration
    private let instruments: Instruments
    private let exactExclusions: Set<String>
    private let prefixExclusions: [String]

    public init(registry: MetricsRegistry, configuration: Configuration = .init()) {
        self.configuration = configuration
        self.instruments = Instruments(registry: registry)
        self.exactExclusions = Set(configuration.excludedPaths.filter { !$0.hasSuffix("*") })
        self.prefixExclusions = configuration.excludedPaths.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if exactExclusions.contains(path) || prefixExclusions.contains(where: { path.hasPrefix($0) }) {
            return try await next(request, context)
        }
        instruments.inFlight.increment()
        let start = ContinuousClock.now
        let requestSize = request.headers[.contentLength].flatMap(Int.init) ?? 0
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, start: start, requestSize: requestSize, responseSize: response.body.contentLength ?? 0)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, start: start, requestSize: requestSize, responseSize: 0)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant, requestSize: Int, responseSize: Int) {
        let elapsed = ContinuousClock.now - start
        instruments.inFlight.decrement()
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? configuration.unmatchedRoute
        let handles = instruments.handles(method: Self.methodLabel(request.method), route: route, status: status)
        handles.requests.increment()
        let (seconds, attoseconds) = elapsed.components
        handles.duration.record(Double(seconds) + Double(attoseconds) * 1e-18)
        handles.requestSize.record(Double(requestSize))
        handles.responseSize.record(Double(responseSize))
    }

    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .connect, .options, .trace, .patch: method.rawValue
        default: "OTHER"
        }
    }
}

/// The HTTP families and a cache of resolved series, so that a request costs one dictionary lookup.
private final class Instruments: Sendable {
    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    struct Handles: Sendable {
        var requests: Counter
        var duration: ValueHistogram
        var requestSize: ValueHistogram
        var responseSize: ValueHistogram
    }

    let inFlight: Gauge
    let requests: MetricFamily<Counter>
    let duration: MetricFamily<ValueHistogram>
    let requestSize: MetricFamily<ValueHistogram>
    let responseSize: MetricFamily<ValueHistogram>
    private let cache = Mutex<[Key: Handles]>([:])
    /// Label values are already bounded; this only stops the cache itself from growing past reason.
    private static let cacheLimit = 4096

    init(registry: MetricsRegistry) {
        inFlight = registry.gauge(MetricsCatalog.httpRequestsInFlight).labels()
        requests = registry.counter(MetricsCatalog.httpRequests)
        duration = registry.histogram(MetricsCatalog.httpRequestDuration)
        requestSize = registry.histogram(MetricsCatalog.httpRequestSize)
        responseSize = registry.histogram(MetricsCatalog.httpResponseSize)
    }

    func handles(method: String, route: String, status: Int) -> Handles {
        let key = Key(method: method, route: route, status: status)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let handles = Handles(
            requests: requests.labels(method, route, String(status)),
            duration: duration.labels(method, route),
            requestSize: requestSize.labels(method, route),
            responseSize: responseSize.labels(method, route)
        )
        cache.withLock { cache in
            if cache.count < Self.cacheLimit { cache[key] = handles }
        }
        return handles
    }
}
