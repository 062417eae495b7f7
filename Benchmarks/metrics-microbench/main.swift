import Foundation
import GenerationMetrics
import LookoutMetrics

// What metrics cost per request, measured on the recording paths themselves (no network, no framework), so that the
// figure is not drowned by the run-to-run noise of a load test on a shared machine. Baseline: the same loop with the
// clock reads the middleware does anyway. Run with `swift run -c release metrics-microbench`.

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

func measure(_ name: String, iterations: Int = 2_000_000, _ body: () -> Void) -> Double {
    for _ in 0..<(iterations / 10) { body() }  // warm-up
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        best = min(best, (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations))
    }
    print("\(name.padding(toLength: 58, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", best)) ns/op")
    return best
}

let registry = MetricsRegistry()
let http = HTTPMetrics(registry: registry)
let service = ServiceMetrics(registry: registry)
service.poolOpened(maximumConnections: 6)

print("metrics-microbench: best of 5 runs of 2 000 000 iterations each")
let baseline = measure("baseline: two clock reads") {
    let start = ContinuousClock.now
    blackHole(ContinuousClock.now - start)
}
let request = measure("HTTP request recorded (start + record, warm series)") {
    http.requestStarted()
    http.record(method: "GET", route: "/api/v1/me", status: 200, seconds: 0.004, requestBytes: 0, responseBytes: 120)
}
let query = measure("database operation observed (acquire + release)") {
    service.connectionAcquired(waitSeconds: 0.0001)
    service.connectionReleased(operation: "user", heldSeconds: 0.0002, failed: false)
}
let perRequest = request + query + baseline
print("")
print(String(format: "per GET /api/v1/me (1 request + 1 database read + the middleware's 2 clock reads): %.2f µs of metrics work", perRequest / 1000))

// A scrape of a large registry: about 10 000 series (each histogram bucket, sum and count is one), rendered in the
// text format as `/metrics` does before it compresses. Issue #15 asks for at most 10 ms.
let large = MetricsRegistry(configuration: .init(maxSeriesPerFamily: 2_000))
let largeHTTP = HTTPMetrics(registry: large)
let methods = ["GET", "POST", "PUT", "DELETE"]
for route in 0..<68 {
    for method in methods {
        for status in [200, 201, 400, 404, 500] {
            largeHTTP.record(method: method, route: "/api/v1/resource\(route)/{id}", status: status, seconds: 0.01, requestBytes: 10, responseBytes: 100)
        }
    }
}
let rendered = large.exposition()
let series = String(decoding: rendered, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.count
var renderBest = Double.infinity
for _ in 0..<20 {
    let start = ContinuousClock.now
    blackHole(large.exposition())
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    renderBest = min(renderBest, Double(seconds) * 1e3 + Double(attoseconds) / 1e15)
}
print("")
print(String(format: "/metrics with %d series (%d KiB): rendered in %.2f ms (best of 20)", series, rendered.count / 1024, renderBest))
