import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutProber
import LookoutSLA
import LookoutSLAHummingbird
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import ServiceLifecycle
import UnixSignals
import Synchronization

// What the SLA engine and the prober cost, measured in one run against baselines from the same run:
//  1. SLARecorder.record on the hot path (what a request adds), alone and with two threads contending;
//  2. the request path through the router (no network) without and with SLARequestMiddleware;
//  3. the prober: checks per minute and CPU per check against a target served by a child process (so that only the
//     prober's CPU is counted), next to AsyncHTTPClient making the same requests on new connections.
// Run with `./scripts/bench-sla.sh` (release build).

func say(_ line: String) {
    print(line)
    fflush(nil)
}

func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func label(_ name: String) -> String { name.padding(toLength: 62, withPad: " ", startingAt: 0) }

// MARK: The target, in a child process

if CommandLine.arguments.dropFirst().first == "serve" {
    let port = Int(CommandLine.arguments[2])!
    let router = Router()
    router.get("/health") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    var logger = Logger(label: "target")
    logger.logLevel = .warning
    // Ends with the benchmark, even when the benchmark is killed.
    let parent = getppid()
    Thread.detachNewThread {
        while getppid() == parent { sleep(1) }
        exit(0)
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await app.runService(gracefulShutdownSignals: [.sigterm])
    exit(0)
}

say("sla-microbench: \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
say("")

// MARK: 1. The recorder

say("1. SLARecorder.record: three objectives per request (what SLARequestMiddleware records), best of 5")
let recorder = SLARecorder()
let events: [(objective: String, good: Bool)] = [("request_availability", true), ("error_rate", true), ("latency", true)]
var best = Double.infinity
for _ in 0..<5 {
    let start = ContinuousClock.now
    for _ in 0..<1_000_000 { recorder.record(events, at: Date()) }
    best = min(best, nanoseconds(ContinuousClock.now - start) / 1_000_000)
    _ = recorder.drain()
}
say("\(label("one thread")) \(String(format: "%8.0f", best)) ns/request")
let contended = ContinuousClock.now
await withTaskGroup(of: Void.self) { group in
    for _ in 0..<2 {
        group.addTask { for _ in 0..<1_000_000 { recorder.record(events, at: Date()) } }
    }
}
say("\(label("two threads at once (2 000 000 requests)")) \(String(format: "%8.0f", nanoseconds(ContinuousClock.now - contended) / 2_000_000)) ns/request (wall)")

// MARK: 2. The request path

say("")
say("2. GET /api/v1/things/{id} through the router (no network): best of 3 rounds × 5 runs × 20 000, the three interleaved")
/// Calls a middleware directly with a trivial `next`, a million times (best of 5): its own work, without router or HTTP.
nonisolated func directCost(_ name: String, _ middleware: some RouterMiddleware<BasicRequestContext>) async throws -> Double {
    let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: Logger(label: "bench")))
    let request = Request(
        head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/things/42", headerFields: [.userAgent: "curl/8"]),
        body: RequestBody(buffer: ByteBuffer())
    )
    let response = Response(status: .ok)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<1_000_000 { _ = try await middleware.handle(request, context: context) { _, _ in response } }
        best = min(best, nanoseconds(ContinuousClock.now - start) / 1_000_000)
    }
    print("\(label("   " + name)) \(String(format: "%8.0f", best)) ns/request")
    fflush(nil)
    return best
}

/// A middleware that only passes the request on: what any middleware costs.
struct PassThrough<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}

func router(_ scenario: Int) -> Router<BasicRequestContext> {
    let router = Router()
    if scenario == 1 { router.add(middleware: PassThrough()) }
    if scenario == 2 { router.add(middleware: SLARequestMiddleware(recorder: SLARecorder())) }
    router.get("/api/v1/things/:id") { _, context in context.parameters.get("id") ?? "" }
    return router
}
var perRequest = [Double.infinity, Double.infinity, Double.infinity]
for _ in 0..<3 {
    for index in 0..<3 {
        let app = Application(router: router(index))
        let result = try await app.test(.router) { client in
            var best = Double.infinity
            for _ in 0..<5 {
                let start = ContinuousClock.now
                for _ in 0..<20_000 {
                    let response = try await client.execute(uri: "/api/v1/things/42", method: .get)
                    precondition(response.status == .ok)
                }
                best = min(best, nanoseconds(ContinuousClock.now - start) / 20_000)
            }
            return best
        }
        perRequest[index] = min(perRequest[index], result)
    }
}
say("\(label("baseline: no SLA middleware")) \(String(format: "%8.2f", perRequest[0] / 1000)) µs/request")
say("\(label("a pass-through middleware (what any middleware costs)")) \(String(format: "%8.2f", perRequest[1] / 1000)) µs/request")
say("\(label("SLARequestMiddleware")) \(String(format: "%8.2f", perRequest[2] / 1000)) µs/request")
say(String(format: "   added per request: %+.2f µs (×%.3f); beyond a pass-through middleware: %+.2f µs",
             (perRequest[2] - perRequest[0]) / 1000, perRequest[2] / perRequest[0], (perRequest[2] - perRequest[1]) / 1000))

say("")
say("   the middleware's own work, called directly (no router, no HTTP), best of 5 × 1 000 000:")
let pass = try await directCost("pass-through", PassThrough<BasicRequestContext>())
let sla = try await directCost("SLARequestMiddleware (counts three objectives)", SLARequestMiddleware<BasicRequestContext>(recorder: SLARecorder()))
say(String(format: "   the SLA middleware's own cost: %.0f ns per request", sla - pass))

// MARK: 3. The prober

say("")
say("3. checks of GET /health (JSON path assertion) against a child process, new connection each, 10 s per line")
let port = Int.random(in: 20_000..<60_000)
let child = Process()
child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
child.arguments = ["serve", "\(port)"]
try child.run()
defer { child.terminate() }
let url = "http://127.0.0.1:\(port)/health"
for _ in 0..<100 {
    if (try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(1)))?.status == .ok { break }
    try await Task.sleep(for: .milliseconds(100))
}

final class Tally: Sendable {
    let done = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
}

func run(_ name: String, concurrency: Int, _ body: @escaping @Sendable () async throws -> Bool) async throws -> Double {
    let tally = Tally()
    let deadline = ContinuousClock.now + .seconds(10)
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                while ContinuousClock.now < deadline {
                    if try await body() { tally.done.add(1, ordering: .relaxed) } else { tally.failed.add(1, ordering: .relaxed) }
                }
            }
        }
        try await group.waitForAll()
    }
    let wall = nanoseconds(ContinuousClock.now - start) / 1e9
    let used = cpuSeconds() - cpu
    let count = tally.done.load(ordering: .relaxed)
    let perCheck = used / Double(max(count, 1)) * 1000
    say("\(label("\(name), \(concurrency) at a time")) \(String(format: "%9.0f checks/min  %6.3f ms CPU/check  CPU %4.0f %%  failed %d", Double(count) / wall * 60, perCheck, used / wall * 100, tally.failed.load(ordering: .relaxed)))")
    return perCheck
}

let runner = ProbeRunner(client: HTTPProbeClient(), baseURL: nil)
let check = ProbeCheck.get("health", url: url, expect: .init(statuses: [200], body: [.jsonPath("$.status", equals: "ok")]))
for concurrency in [1, 8] {
    let baseline = try await run("baseline: AsyncHTTPClient, Connection: close", concurrency: concurrency) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Connection", value: "close")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status == .ok
    }
    let prober = try await run("ProbeRunner (phases timed, body checked)", concurrency: concurrency) { await runner.run(check).success }
    say(String(format: "   CPU per check: prober ×%.2f the baseline", prober / baseline))
}
say("")
say("At the defaults (5 checks every 30 s = 10 checks a minute) the prober's CPU is 10 × the CPU per check each minute.")
