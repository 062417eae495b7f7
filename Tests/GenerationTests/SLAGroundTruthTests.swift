import AsyncHTTPClient
import Foundation
import GenerationSQLite
import Hummingbird
import LookoutSLA
import LookoutSLAHummingbird
import NIOCore
import Synchronization
import Testing
import TestSupport

/// Ground truth: real HTTP traffic with a known mix of failures and slow answers, through the same middleware, recorder,
/// database and calculator as the service, yields exactly the expected figures. "Slow" is time the test adds to the
/// middleware's clock inside the handler, not time slept, so the figures hold however loaded the machine is.
@Suite struct SLAGroundTruthTests {
    /// What each route answers, and how many requests it gets.
    static let mix: [(path: String, count: Int)] = [
        ("/ok", 130),  // 200, fast: good for everything
        ("/missing", 30),  // 404, fast: a client error is not the service failing
        ("/boom", 8),  // a thrown error, answered 500
        ("/unavailable", 4),  // 503
        ("/slow", 22),  // 200 after 700 ms (of the test's clock): available, but slow
        ("/slow-fail", 6),  // 502 after 700 ms: bad on every count
    ]

    @Test func knownTrafficYieldsExactlyTheExpectedAvailabilityErrorRateAndLatency() async throws {
        let (recorder, elapsed, router) = Self.timedRouter()
        router.get("/ok") { _, _ in "ok" }
        router.get("/boom") { _, _ -> String in throw HTTPError(.internalServerError) }
        router.get("/unavailable") { _, _ in Response(status: .serviceUnavailable) }
        router.get("/slow") { _, _ -> String in
            elapsed.add(.milliseconds(700))
            return "late"
        }
        router.get("/slow-fail") { _, _ -> Response in
            elapsed.add(.milliseconds(700))
            return Response(status: .badGateway)
        }
        router.get("/health") { _, _ in "ok" }
        let (server, port) = await LocalHTTPServer.start(router)
        defer { server.cancel() }

        // Noise that must not count: health checks (excluded path) and the prober's own requests (its secret).
        for _ in 0..<10 { _ = try await Self.get(port, "/health") }
        for _ in 0..<10 { #expect(try await Self.get(port, "/boom", probe: Self.probeSecret) == 500) }

        // One at a time, so that the time a slow handler adds belongs to its own request only.
        let requests = Self.mix.flatMap { Array(repeating: $0.path, count: $0.count) }.shuffled()
        for path in requests { _ = try await Self.get(port, path) }

        let store = try SQLiteStorage.migrated(location: .inMemory)
        await SLAFlushService(recorder: recorder, store: store, logger: ScriptedSentryServer.quietLogger).flush()
        let report = try await SLAStatusService(objectives: [.requestAvailability, .errorRate, .latency], recorder: recorder, store: store)
            .report(now: Date())
        func hour(_ name: String) throws -> SLAStatusReport.WindowReport {
            try #require(report.objectives.first { $0.name == name }?.windows.first { $0.window == "1h" })
        }
        // 200 requests; 18 answered 5xx (8 + 4 + 6); 28 slower than 500 ms (22 + 6).
        for name in ["request_availability", "error_rate"] {
            let window = try hour(name)
            #expect(window.total == 200)
            #expect(window.good == 182)
            #expect(window.value == 0.91)
            #expect(!window.compliant)
        }
        let latency = try hour("latency")
        #expect(latency.total == 200)
        #expect(latency.good == 172)
        #expect(latency.value == 0.86)
        let errorRate = try #require(report.objectives.first { $0.name == "error_rate" })
        #expect(errorRate.errorBudget.badEvents == 18)
        #expect(abs(errorRate.errorBudget.allowedBadEvents - 2) < 1e-9, "1 % of 200")
        #expect(abs(errorRate.errorBudget.consumedRatio - 9) < 1e-9)
        #expect(errorRate.state == "breached")
    }

    /// The latency objective times what the client waited for: a streamed body counts until its last byte.
    @Test func aStreamedBodyIsTimedUntilItsLastByte() async throws {
        let (recorder, elapsed, router) = Self.timedRouter()
        router.get("/ok") { _, _ in "ok" }
        router.get("/stream") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "first "))
                elapsed.add(.milliseconds(700))  // the rest takes long to reach the client
                try await writer.write(ByteBuffer(string: "last"))
                try await writer.finish(nil)
            })
        }
        let (server, port) = await LocalHTTPServer.start(router)
        defer { server.cancel() }
        #expect(try await Self.get(port, "/ok") == 200)
        #expect(try await Self.get(port, "/stream") == 200)

        let store = try SQLiteStorage.migrated(location: .inMemory)
        await SLAFlushService(recorder: recorder, store: store, logger: ScriptedSentryServer.quietLogger).flush()
        let report = try await SLAStatusService(objectives: [.latency], recorder: recorder, store: store).report(now: Date())
        let hour = try #require(report.objectives.first?.windows.first { $0.window == "1h" })
        #expect(hour.total == 2)
        #expect(hour.good == 1, "the stream's 700 ms were spent writing its body")
    }

    /// A router behind the SLA middleware with a 500 ms threshold, timed by a clock that is real time frozen at the
    /// start and moved only by the handlers (through `elapsed`), so that "slow" does not depend on the machine.
    static func timedRouter() -> (SLARecorder, Elapsed, Router<BasicRequestContext>) {
        let recorder = SLARecorder()
        let start = ContinuousClock.now
        let elapsed = Elapsed()
        var configuration = SLARequestMiddleware<BasicRequestContext>.Configuration()
        configuration.latencyThreshold = .milliseconds(500)
        configuration.monotonicNow = { start.advanced(by: elapsed.total) }
        configuration.probeSecret = probeSecret
        let router = Router()
        router.add(middleware: SLARequestMiddleware(recorder: recorder, configuration: configuration))
        return (recorder, elapsed, router)
    }

    static let probeSecret = "probe-secret-0123456789"

    static func get(_ port: Int, _ path: String, probe: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let probe { request.headers.add(name: "X-Lookout-Probe", value: probe) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}

/// Time the handlers say they spent, for the SLA middleware's test clock.
final class Elapsed: Sendable {
    private let duration = Mutex(Duration.zero)
    var total: Duration { duration.withLock { $0 } }
    func add(_ spent: Duration) { duration.withLock { $0 += spent } }
}
