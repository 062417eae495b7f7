import Foundation
import Instrumentation
import Synchronization
import Testing

@testable import LookoutSentry

/// Sampling decisions and what they propagate, by Sentry's trace propagation spec
/// (develop.sentry.dev/sdk/telemetry/traces/): deferred decisions with tracing off, `sample_rand`, the sampler's context.
@Suite struct TraceSamplingTests {
    static let traceID = "771a43a4192642f0b136d5159a501700"
    static let parentSpan = "b7ad6b7169203331"

    static func incoming(_ flag: String, baggage: String? = nil) -> TraceContext? {
        TraceContext(sentryTrace: "\(traceID)-\(parentSpan)\(flag)", baggage: baggage, traceparent: nil)
    }

    static func baggage(_ span: SentrySpan) -> [String: String] {
        TraceContext.parseBaggage(span.propagationHeaders["baggage"]).0
    }

    /// Before, the default rate was 0: every request told downstream services "not sampled", and those that trace
    /// dropped their traces. Unset now means tracing off with the decision left to them.
    @Test func tracingOffDefersTheDecisionRecordsNothingAndStillLinksErrors() throws {
        let (client, sink) = TracingTests.client(rate: nil)
        let root = try #require(client.startTransaction(name: "GET /api/v1/me", op: "http.server", source: .url))
        #expect(!root.sampled && root.samplingDecision == nil)
        let headers = root.propagationHeaders
        #expect(headers["sentry-trace"] == "\(root.traceID)-\(root.spanID)", "no flag: deferred")
        #expect(headers["traceparent"] == nil, "opt-in")
        let dsc = Self.baggage(root)
        #expect(dsc["sampled"] == nil && dsc["sample_rate"] == nil)
        #expect(dsc["trace_id"] == root.traceID && dsc["sample_rand"] != nil)

        InstrumentationContext.$current.withValue(root.context) { _ = client.capture(message: "failed", level: .error) }
        root.finish()
        #expect(sink.envelopes.count == 1, "the error, no transaction")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(sink.envelopes[0].items[0].payload)) as? [String: Any])
        let trace = try #require((event["contexts"] as? [String: Any])?["trace"] as? [String: Any])
        #expect(trace["trace_id"] as? String == root.traceID)
        #expect(client.discards.totals.isEmpty, "tracing off is not a drop")
    }

    /// With tracing off, a request that propagates nothing draws no random number (a system call each, by default);
    /// one is drawn when the context is first propagated, and kept.
    @Test func tracingOffDrawsNoRandomNumberUntilTheContextIsPropagated() throws {
        let draws = Mutex(0)
        let (client, _) = TracingTests.client(rate: nil, random: { draws.withLock { $0 += 1 }; return 0.5 })
        let quiet = try #require(client.startTransaction(name: "GET /api/v1/me", op: "http.server", source: .url))
        quiet.finish()
        #expect(draws.withLock { $0 } == 0)
        let calling = try #require(client.startTransaction(name: "GET /api/v1/me", op: "http.server", source: .url))
        #expect(Self.baggage(calling)["sample_rand"] == "0.500000")
        #expect(Self.baggage(calling)["sample_rand"] == "0.500000", "frozen")
        #expect(draws.withLock { $0 } == 1)
    }

    @Test func tracingOffPassesTheCallersDecisionOn() throws {
        let (client, sink) = TracingTests.client(rate: nil)
        let root = try #require(client.startTransaction(name: "GET /a", op: "http.server", source: .url, continuing: Self.incoming("-1")))
        #expect(!root.sampled, "nothing recorded here")
        #expect(root.propagationHeaders["sentry-trace"] == "\(Self.traceID)-\(root.spanID)-1")
        root.finish()
        #expect(sink.envelopes.isEmpty)
    }

    /// A deferred caller's `sample_rand` decides, not our own random number: every service of the trace at the same
    /// rate decides alike.
    @Test func theCallersSampleRandDecides() throws {
        let (client, sink) = TracingTests.client(rate: 0.5, random: { 0.99 })
        let low = try #require(client.startTransaction(
            name: "GET /a", op: "http.server", source: .url, continuing: Self.incoming("", baggage: "sentry-trace_id=\(Self.traceID),sentry-sample_rand=0.3")))
        #expect(low.sampled && low.samplingDecision == true)
        let high = try #require(client.startTransaction(
            name: "GET /a", op: "http.server", source: .url, continuing: Self.incoming("", baggage: "sentry-trace_id=\(Self.traceID),sentry-sample_rand=0.7")))
        #expect(!high.sampled && high.samplingDecision == false)
        #expect(Self.baggage(high)["sample_rand"] == "0.7", "passed on as it came")
        low.finish()
        high.finish()
        #expect(sink.envelopes.count == 1)
    }

    @Test func theHeadDrawsSampleRandDecidesWithItAndPropagatesIt() throws {
        let (client, _) = TracingTests.client(rate: 0.5, random: { 0.25 })
        let root = try #require(client.startTransaction(name: "POST /api/v1/generations", op: "http.server", source: .route))
        #expect(root.sampled)
        let dsc = Self.baggage(root)
        #expect(dsc["sample_rand"] == "0.250000")
        #expect(dsc["sample_rate"] == "0.5")
        #expect(dsc["sampled"] == "true")
        let (other, _) = TracingTests.client(rate: 0.5, random: { 0.75 })
        #expect(other.startTransaction(name: "POST /api/v1/generations", op: "http.server", source: .route)?.sampled == false)
    }

    /// A caller that decided at a known rate but sent no `sample_rand`: ours is drawn on the side of the rate its
    /// decision implies.
    @Test func aSampleRandConsistentWithTheCallersDecision() throws {
        for (flag, expected) in [("-1", 0.05), ("-0", 0.55)] {
            let (client, _) = TracingTests.client(rate: 1, random: { 0.5 })
            let root = try #require(client.startTransaction(
                name: "GET /a", op: "http.server", source: .url,
                continuing: Self.incoming(flag, baggage: "sentry-trace_id=\(Self.traceID),sentry-sample_rate=0.1")))
            #expect(Double(try #require(Self.baggage(root)["sample_rand"])) == expected, "\(flag)")
        }
        #expect(TransactionRecorder.format(0.9999999) == "0.999999")
        #expect(TransactionRecorder.format(0) == "0.000000")
    }

    @Test func theSamplerSeesTheContextAndMayOverrideTheCaller() throws {
        let seen = Mutex<SamplingContext?>(nil)
        let (client, _) = TracingTests.client(rate: 0, sampler: { context in
            seen.withLock { $0 = context }
            return context.attributes["url.path"] == "/api/v1/payments" ? 1 : 0
        })
        let root = try #require(client.startTransaction(
            name: "POST /api/v1/payments", op: "http.server", source: .url,
            continuing: Self.incoming("-0", baggage: "sentry-trace_id=\(Self.traceID),sentry-sample_rate=0.25"),
            attributes: ["http.request.method": "POST", "url.path": "/api/v1/payments"]))
        #expect(root.sampled, "the sampler wins over the caller's 0")
        #expect(root.propagationHeaders["sentry-trace"]?.hasSuffix("-1") == true)
        let context = try #require(seen.withLock { $0 })
        #expect(context.name == "POST /api/v1/payments" && context.op == "http.server" && context.source == .url)
        #expect(context.parentSampled == false && context.parentSampleRate == 0.25)
        #expect(context.attributes == ["http.request.method": "POST", "url.path": "/api/v1/payments"])
    }

    @Test func theEnvironmentTurnsTracingAndTraceparentOn() throws {
        let options = try SentryOptions(environment: [
            "SENTRY_DSN": "http://key@127.0.0.1:9000/1", "SENTRY_TRACES_SAMPLE_RATE": "0", "SENTRY_PROPAGATE_TRACEPARENT": "true",
        ])
        #expect(options.tracesSampleRate == 0 && options.tracingEnabled, "0 is a rate: tracing on, nothing sampled")
        #expect(options.propagateTraceparent)
    }
}
