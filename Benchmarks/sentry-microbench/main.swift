import Foundation
import Hummingbird
import HummingbirdTesting
import Instrumentation
import Logging
import LookoutBacktrace
import LookoutSentry
import LookoutSentryHummingbird
import Synchronization
import Tracing

// What Sentry costs the code it watches, measured in one run against baselines from the same run:
//  1. a capture on the caller's side (building, scrubbing and serialising the event, then handing it to the transport's
//     bounded queue) — the only work a request or job ever waits for;
//  2. the request path: the same Hummingbird route (3 child spans: a cache lookup and two database operations, plus a
//     log line) driven through the router without Sentry, with Sentry and tracing at 0 %, and at 100 %.
// Nothing goes on the network: envelopes go to a counting sink or to a transport whose queue is full (it drops the
// oldest, as in an outage). Run with `swift run -c release sentry-microbench` (scripts/bench-sentry.sh).

/// Prints a line at once (standard output is block-buffered when piped into a file).
func say(_ line: String) {
    print(line)
    fflush(nil)
}

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

func measure(_ name: String, iterations: Int, _ body: () -> Void) -> Double {
    for _ in 0..<(iterations / 10) { body() }
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    say("\(name.padding(toLength: 66, withPad: " ", startingAt: 0)) \(String(format: "%9.2f", best / 1000)) µs/op")
    return best
}

func measureAsync(_ name: String, iterations: Int, _ body: () async throws -> Void) async throws -> Double {
    for _ in 0..<(iterations / 10) { try await body() }
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    say("\(name.padding(toLength: 66, withPad: " ", startingAt: 0)) \(String(format: "%9.2f", best / 1000)) µs/op")
    return best
}

final class CountingSink: EnvelopeSink {
    let count = Atomic<Int>(0)
    func enqueue(_ envelope: Envelope) { count.add(1, ordering: .relaxed) }
}

/// Does at once what the transport's task does later: scrubs and serialises the payload.
final class SerialisingSink: EnvelopeSink {
    let bytes = Atomic<Int>(0)
    func enqueue(_ envelope: Envelope) { bytes.add(envelope.serialized().count, ordering: .relaxed) }
}

struct PaymentFailed: Error, CustomStringConvertible {
    var description: String { "payment pay_123 failed: provider error" }
}

let dsn = try DSN("http://publickey@127.0.0.1:9/1")
func client(tracesRate: Double?, sink: any EnvelopeSink) -> SentryClient {
    var options = SentryOptions(dsn: dsn)
    options.tracesSampleRate = tracesRate
    options.release = "lookout@bench"
    return SentryClient(options: options, sink: sink)
}

// MARK: 1. Capture on the caller's side

say("sentry-microbench: best of 5 runs each; \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
say("")
say("1. capture(error:) on the caller's side, inside a request scope with 10 breadcrumbs")
let scope = ScopeBox()
for index in 0..<10 { scope.update { $0.addBreadcrumb(Breadcrumb(category: "test", message: "step \(index)", data: ["n": .int(Int64(index))])) } }
scope.update { $0.request = SentryRequest(method: "POST", url: "http://api/api/v1/payments", headers: ["Authorization": "Bearer x", "Accept": "*/*"]) }

let disabled = SentryClient(options: SentryOptions(), sink: CountingSink())
let toSink = client(tracesRate: 0, sink: CountingSink())
let serialising = client(tracesRate: 0, sink: SerialisingSink())
var fullOptions = SentryOptions(dsn: dsn)
fullOptions.queueSize = 100
let outage = HTTPTransport(options: fullOptions, discards: DiscardCounter())
let toTransport = SentryClient(options: fullOptions, sink: outage)

await ScopeBox.withScope(scope) {
    let off = measure("Sentry disabled (no DSN)", iterations: 2_000_000) { blackHole(disabled.capture(error: PaymentFailed())) }
    let sink = measure("event snapshot handed to a sink (counting sink)", iterations: 20_000) { blackHole(toSink.capture(error: PaymentFailed())) }
    let queued = measure("… handed to the transport instead (queue full: oldest dropped)", iterations: 20_000) {
        blackHole(toTransport.capture(error: PaymentFailed()))
    }
    let whole = measure("… scrubbed and serialised at once, as the transport will", iterations: 20_000) {
        blackHole(serialising.capture(error: PaymentFailed()))
    }
    say(String(format: "   a capture costs the caller %.1f µs (%.1f µs of it the queue); disabled: %.3f µs", queued / 1000, (queued - sink) / 1000, off / 1000))
    say(String(format: "   scrubbing and serialising, on the transport's task: %.1f µs more", (whole - sink) / 1000))
}

// MARK: 1b. Stack traces

/// An error that records where it was made, three calls down.
struct LedgerOff: Error, BacktraceCarrying, CustomStringConvertible {
    var backtrace = CapturedBacktrace.here()
    var description: String { "ledger off by 12500" }
}
@inline(never) func makeDeep3() -> LedgerOff { LedgerOff() }
@inline(never) func makeDeep2() -> LedgerOff { makeDeep3() }
@inline(never) func makeDeep1() -> LedgerOff { makeDeep2() }

/// Each call timed on its own: the 50th and 90th percentiles of `rounds` calls, after `rounds / 10` warm-up calls.
func percentiles(_ name: String, rounds: Int, _ body: () -> Void) -> (p50: Double, p90: Double) {
    for _ in 0..<(rounds / 10) { body() }
    var samples: [Double] = []
    samples.reserveCapacity(rounds)
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        body()
        samples.append(nanoseconds(ContinuousClock.now - start))
    }
    samples.sort()
    let result = (samples[rounds / 2], samples[rounds * 9 / 10])
    say("\(name.padding(toLength: 66, withPad: " ", startingAt: 0)) p50 \(String(format: "%7.2f", result.0 / 1000)) µs, p90 \(String(format: "%7.2f", result.1 / 1000)) µs")
    return result
}

say("")
say("1b. stack traces: each capture timed alone (same scope as above)")
func stackClient(attach: Bool, sink: any EnvelopeSink) -> SentryClient {
    var options = SentryOptions(dsn: dsn)
    options.attachStacktrace = attach
    return SentryClient(options: options, sink: sink)
}
let noStack = stackClient(attach: false, sink: CountingSink())
let threadStack = stackClient(attach: true, sink: CountingSink())
let noStackSerialised = stackClient(attach: false, sink: SerialisingSink())
let stackSerialised = stackClient(attach: true, sink: SerialisingSink())
await ScopeBox.withScope(scope) {
    let base = percentiles("capture, no stack (SENTRY_ATTACH_STACKTRACE=false)", rounds: 20_000) { blackHole(noStack.capture(error: PaymentFailed())) }
    let thread = percentiles("capture with the capturing thread's stack (the default)", rounds: 20_000) {
        blackHole(threadStack.capture(error: PaymentFailed()))
    }
    let made = percentiles("an error recording where it was made, made and captured", rounds: 20_000) {
        blackHole(threadStack.capture(error: makeDeep1()))
    }
    say(String(format: "   on the caller, p90: +%.1f µs for the thread's stack, +%.1f µs with the error's own too", (thread.p90 - base.p90) / 1000, (made.p90 - base.p90) / 1000))
    let plain = percentiles("… serialised at once, no stack", rounds: 5_000) { blackHole(noStackSerialised.capture(error: PaymentFailed())) }
    let symbolicated = percentiles("… serialised at once, both stacks symbolicated (names only)", rounds: 5_000) {
        blackHole(stackSerialised.capture(error: makeDeep1()))
    }
    say(String(format: "   symbolicating, on the transport's task, p90: +%.1f µs", (symbolicated.p90 - plain.p90) / 1000))
}

// MARK: 2. The request path

InstrumentationSystem.bootstrap(SentryTracer(client: nil))

func router(sentry: SentryClient?) -> Router<BasicRequestContext> {
    let logger = Logger(label: "bench") { label in
        guard let sentry else { return SwiftLogNoOpLogHandler() }
        return SentryLogHandler(label: label, client: sentry)
    }
    let router = Router()
    if let sentry {
        router.add(middleware: SentryMiddleware(client: sentry))
        router.add(middleware: SentryErrorMiddleware(client: sentry))
    }
    router.get("/api/v1/generations/:id") { _, context -> String in
        let cached = withSpan("finished_generations", ofKind: .internal) { span in
            span.attributes["cache.hit"] = false
            return Optional<String>.none
        }
        let row = withSpan("generation", ofKind: .client) { span in
            span.attributes["db.system"] = "sqlite"
            return context.parameters.get("id") ?? "?"
        }
        withSpan("touch_session", ofKind: .client) { span in span.attributes["db.system"] = "sqlite" }
        logger.info("read a generation", metadata: ["generation_id": .string(row)])
        return cached ?? row
    }
    return router
}

say("")
say("2. the request path: GET /api/v1/generations/{id} through the router (no network), 3 child spans + 1 log line")
let plainSink = CountingSink()
let scenarios: [(String, SentryClient?)] = [
    ("baseline: no Sentry", nil),
    ("Sentry on, tracing 0 %", client(tracesRate: 0, sink: plainSink)),
    ("Sentry on, tracing 100 % (one transaction per request)", client(tracesRate: 1, sink: plainSink)),
    ("Sentry on, tracing unset (off, decisions deferred; sessions counted)", client(tracesRate: nil, sink: plainSink)),
]
var results: [Double] = []
for (name, sentry) in scenarios {
    let app = Application(router: router(sentry: sentry))
    let perRequest = try await app.test(.router) { client in
        try await measureAsync(name, iterations: 20_000) {
            let response = try await client.execute(uri: "/api/v1/generations/gen_42", method: .get)
            precondition(response.status == .ok)
        }
    }
    results.append(perRequest)
}
say(String(format: "   added per request: tracing 0 %% %+.1f µs (×%.2f), tracing 100 %% %+.1f µs (×%.2f), unset %+.1f µs (×%.2f); transactions sent: %d",
             (results[1] - results[0]) / 1000, results[1] / results[0], (results[2] - results[0]) / 1000, results[2] / results[0],
             (results[3] - results[0]) / 1000, results[3] / results[0], plainSink.count.load(ordering: .relaxed)))
