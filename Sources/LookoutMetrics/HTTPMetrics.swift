import Prometheus
import Synchronization

/// The HTTP families and the recording logic behind the Hummingbird middleware, free of any HTTP framework.
///
/// Label values must already be bounded (a route template, a method from a fixed set). Series are resolved once per
/// (method, route, status) and cached, so a request costs one dictionary lookup under a short lock, one counter
/// increment and three histogram observations.
public final class HTTPMetrics: Sendable {
    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    struct Series: Sendable {
        var requests: Counter
        var duration: ValueHistogram
        var requestSize: ValueHistogram
        var responseSize: ValueHistogram
    }

    private let inFlight: Gauge
    private let requests: MetricFamily<Counter>
    private let duration: MetricFamily<ValueHistogram>
    private let requestSize: MetricFamily<ValueHistogram>
    private let responseSize: MetricFamily<ValueHistogram>
    private let cache = Mutex<[Key: Series]>([:])
    /// Label values are bounded upstream; this only stops the cache itself from growing past reason.
    private static let cacheLimit = 4096

    public init(registry: MetricsRegistry) {
        inFlight = registry.gauge(MetricsCatalog.httpRequestsInFlight).labels()
        requests = registry.counter(MetricsCatalog.httpRequests)
        duration = registry.histogram(MetricsCatalog.httpRequestDuration)
        requestSize = registry.histogram(MetricsCatalog.httpRequestSize)
        responseSize = registry.histogram(MetricsCatalog.httpResponseSize)
    }

    /// A request began: counts it in flight. Pair with ``record(method:route:status:seconds:requestBytes:responseBytes:)``.
    public func requestStarted() { inFlight.increment() }

    /// A request ended (successfully or not).
    public func record(method: String, route: String, status: Int, seconds: Double, requestBytes: Int, responseBytes: Int) {
        inFlight.decrement()
        let series = series(Key(method: method, route: route, status: status))
        series.requests.increment()
        series.duration.record(seconds)
        series.requestSize.record(Double(requestBytes))
        series.responseSize.record(Double(responseBytes))
    }

    private func series(_ key: Key) -> Series {
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let created = Series(
            requests: requests.labels(key.method, key.route, String(key.status)),
            duration: duration.labels(key.method, key.route),
            requestSize: requestSize.labels(key.method, key.route),
            responseSize: responseSize.labels(key.method, key.route)
        )
        cache.withLock { cache in
            if cache.count < Self.cacheLimit { cache[key] = created }
        }
        return created
    }
}
