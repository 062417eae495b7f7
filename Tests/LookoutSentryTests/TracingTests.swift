import Foundation
import Instrumentation
import LookoutSentry
import Testing
import TestSupport
import Tracing

@Suite struct TraceContextTests {
    let traceID = "771a43a4192642f0b136d5159a501700"
    let spanID = "b7ad6b7169203331"

    @Test func readsSentryTraceInEachForm() throws {
        let sampled = try #require(TraceContext(sentryTrace: "\(traceID)-\(spanID)-1", baggage: nil, traceparent: nil))
        #expect(sampled.traceID == traceID && sampled.spanID == spanID && sampled.sampled == true)
        #expect(TraceContext(sentryTrace: "\(traceID)-\(spanID)-0", baggage: nil, traceparent: nil)?.sampled == false)
        #expect(TraceContext(sentryTrace: "\(traceID)-\(spanID)", baggage: nil, traceparent: nil)?.sampled == nil, "deferred decision")
        #expect(TraceContext(sentryTrace: "nonsense", baggage: nil, traceparent: nil) == nil)
        #expect(TraceContext(sentryTrace: "\(traceID)-\(spanID)-7", baggage: nil, traceparent: nil) == nil)
        // Fullwidth digits are hex digits to Character.isHexDigit, not to any other service.
        let fullwidth = String(traceID.dropLast()) + "\u{FF11}"
        #expect(TraceContext(sentryTrace: "\(fullwidth)-\(spanID)-1", baggage: nil, traceparent: nil) == nil)
        #expect(TraceContext(sentryTrace: "\(traceID.uppercased())-\(spanID)-1", baggage: nil, traceparent: nil) != nil, "either case")
    }

    @Test func readsW3CTraceparentAndPrefersSentryTrace() throws {
        let w3c = try #require(TraceContext(sentryTrace: nil, baggage: nil, traceparent: "00-\(traceID)-\(spanID)-01"))
        #expect(w3c.traceID == traceID && w3c.sampled == true)
        #expect(TraceContext(sentryTrace: nil, baggage: nil, traceparent: "00-\(traceID)-\(spanID)-00")?.sampled == false)
        #expect(TraceContext(sentryTrace: nil, baggage: nil, traceparent: "00-00000000000000000000000000000000-\(spanID)-01") == nil)
        let both = TraceContext(sentryTrace: "\(traceID)-\(spanID)-0", baggage: nil, traceparent: "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
        #expect(both?.traceID == traceID && both?.sampled == false)
    }

    @Test func baggageKeepsTheSentryContextAndOtherVendorsMembers() throws {
        let context = try #require(
            TraceContext(
                sentryTrace: "\(traceID)-\(spanID)-1", baggage: "other=1, sentry-trace_id=\(traceID),sentry-release=api%401.0,sentry-sample_rate=0.5",
                traceparent: nil
            ))
        #expect(context.dynamicSamplingContext == ["trace_id": traceID, "release": "api@1.0", "sample_rate": "0.5"])
        #expect(context.foreignBaggage == ["other=1"])
    }
}

@Suite struct TracingTests {
    static let dsn = try! DSN("http://publickey@127.0.0.1:9000/1")

    static func client(
        rate: Double? = 1, sampler: (@Sendable (SamplingContext) -> Double)? = nil, traceparent: Bool = false,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) -> (SentryClient, CollectingSink) {
        var options = SentryOptions(dsn: dsn)
        options.release = "lookout@0.1.0"
        options.environment = "test"
        options.tracesSampleRate = rate
        options.tracesSampler = sampler
        options.propagateTraceparent = traceparent
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink, random: random), sink)
    }

    /// A request-shaped transaction with a database, a cache and a queue child span, checked by Relay.
    @Test(.integration("sentry-relay in .venv"))
    func aTransactionWithChildSpansIsAcceptedByRelay() async throws {
        let (client, sink) = Self.client()
        let tracer = SentryTracer(client: client)
        let scope = ScopeBox()
        scope.update { $0.request = SentryRequest(method: "POST", url: "http://api.local/api/v1/generations?token=abc", headers: ["Authorization": "Bearer x"]) }
        let root = try #require(client.startTransaction(name: "POST /api/v1/generations", op: "http.server", source: .url, scope: scope))
        client.rename(root, to: "POST /api/v1/generations", source: .route)
        tracer.withSpan("submit_generation", context: root.context, ofKind: .client) { span in
            span.attributes["db.system"] = "sqlite"
            tracer.withSpan("generation_queue", context: span.context, ofKind: .producer) { inner in
                inner.attributes["messaging.operation.type"] = "publish"
                inner.attributes["messaging.destination.name"] = "generation_queue"
            }
        }
        tracer.withSpan("session", context: root.context, ofKind: .internal) { span in span.attributes["cache.hit"] = true }
        root.attributes["http.response.status_code"] = 201
        root.finish()

        let envelope = try #require(sink.envelopes.first)
        #expect(sink.envelopes.count == 1)
        #expect(envelope.trace["trace_id"] == root.traceID)
        #expect(envelope.trace["public_key"] == "publickey")
        #expect(envelope.trace["transaction"] == "POST /api/v1/generations")
        #expect(envelope.trace["sampled"] == "true")
        let normalized = try await SentryCheck.normalized(envelope)
        #expect(normalized["type"] as? String == "transaction")
        #expect(normalized["transaction"] as? String == "POST /api/v1/generations")
        #expect((normalized["transaction_info"] as? [String: Any])?["source"] as? String == "route")
        #expect(normalized["release"] as? String == "lookout@0.1.0")
        let trace = try #require((normalized["contexts"] as? [String: Any])?["trace"] as? [String: Any])
        #expect(trace["trace_id"] as? String == root.traceID)
        #expect(trace["op"] as? String == "http.server")
        let spans = try #require(normalized["spans"] as? [[String: Any]])
        let ops = Dictionary(uniqueKeysWithValues: spans.map { ($0["op"] as! String, $0) })
        #expect(Set(ops.keys) == ["db", "queue.publish", "cache.get"])
        #expect(ops["db"]?["parent_span_id"] as? String == root.spanID)
        #expect(ops["queue.publish"]?["parent_span_id"] as? String == ops["db"]?["span_id"] as? String)
        #expect(ops["db"]?["description"] as? String == "submit_generation")
        let request = try #require(normalized["request"] as? [String: Any])
        #expect(request["url"] as? String == "http://api.local/api/v1/generations", "the query string is gone")
        let raw = String(decoding: envelope.serialized(), as: UTF8.self)
        #expect(!raw.contains("Bearer x") && !raw.contains("token=abc"))
    }

    @Test func theUpstreamDecisionWinsAndUnsampledTransactionsSendNothing() throws {
        let (client, sink) = Self.client(rate: 1)
        let incoming = TraceContext(sentryTrace: "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-0", baggage: nil, traceparent: nil)
        let root = try #require(client.startTransaction(name: "GET /health", op: "http.server", source: .route, continuing: incoming))
        #expect(root.traceID == "771a43a4192642f0b136d5159a501700", "the trace continues even unsampled")
        #expect(root.parentSpanID == "b7ad6b7169203331")
        #expect(root.propagationHeaders["sentry-trace"] == "771a43a4192642f0b136d5159a501700-\(root.spanID)-0")
        root.finish()
        #expect(sink.envelopes.isEmpty)
    }

    @Test func theSamplerDecidesByNameAndDropsAreCounted() throws {
        let (client, sink) = Self.client(rate: 1, sampler: { $0.name.hasPrefix("GET /health") ? 0 : 1 })
        client.startTransaction(name: "GET /health", op: "http.server", source: .route)?.finish()
        client.startTransaction(name: "POST /api/v1/payments", op: "http.server", source: .route)?.finish()
        #expect(sink.envelopes.count == 1)
        let (zero, none) = Self.client(rate: 0)
        zero.startTransaction(name: "GET /", op: "http.server", source: .route)?.finish()
        #expect(none.envelopes.isEmpty)
        #expect(zero.discards.totals.isEmpty, "tracing off is not a drop")
    }

    @Test func outgoingHeadersCarryTheSpanAndTheFrozenHeadContext() throws {
        let (client, _) = Self.client(traceparent: true)
        let tracer = SentryTracer(client: client)
        var incoming = InstrumentationContext.topLevel
        tracer.extract(
            ["sentry-trace": "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1", "baggage": "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-sample_rate=0.25,vendor=x"],
            into: &incoming, using: DictionaryExtractor()
        )
        let span = tracer.startSpan("generation.job", context: incoming, ofKind: .consumer)
        let root = try #require(span.sentrySpan)
        #expect(root.isRoot && root.traceID == "771a43a4192642f0b136d5159a501700")
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        #expect(headers["sentry-trace"] == "771a43a4192642f0b136d5159a501700-\(root.spanID)-1")
        #expect(headers["traceparent"] == "00-771a43a4192642f0b136d5159a501700-\(root.spanID)-01")
        // The head's context, not ours, with the sample_rand the caller did not send: drawn below its rate, as its
        // decision (sampled at 0.25) implies.
        let baggage = try #require(headers["baggage"])
        #expect(baggage.hasPrefix("vendor=x,sentry-sample_rand=0."))
        #expect(baggage.hasSuffix(",sentry-sample_rate=0.25,sentry-trace_id=771a43a4192642f0b136d5159a501700"))
        let rand = try #require(Double(baggage.split(separator: ",")[1].dropFirst("sentry-sample_rand=".count)))
        #expect(rand < 0.25)
        span.end()
    }

    @Test(.integration("sentry-relay in .venv"))
    func anErrorInsideATransactionIsLinkedToIt() async throws {
        let (client, sink) = Self.client()
        let root = try #require(client.startTransaction(name: "job", op: "queue.process", source: .task))
        InstrumentationContext.$current.withValue(root.context) {
            client.capture(message: "generator failed", level: .error)
        }
        let event = try #require(sink.envelopes.first)
        #expect(event.trace["trace_id"] == root.traceID)
        let normalized = try await SentryCheck.normalized(event)
        let trace = try #require((normalized["contexts"] as? [String: Any])?["trace"] as? [String: Any])
        #expect(trace["trace_id"] as? String == root.traceID)
        #expect(trace["span_id"] as? String == root.spanID)
    }

    /// Client reports count what a dropped transaction took with it: its spans and root (one when sampled out, as no
    /// span was recorded).
    @Test func droppedTransactionsCountTheirSpans() throws {
        let (sampledOut, _) = Self.client(rate: 0.5, random: { 0.9 })
        sampledOut.startTransaction(name: "GET /a", op: "http.server", source: .route)?.finish()
        #expect(sampledOut.discards.snapshot == [.init(reason: .sampleRate, category: "transaction"): 1, .init(reason: .sampleRate, category: "span"): 1])

        var options = SentryOptions(dsn: Self.dsn)
        options.tracesSampleRate = 1
        options.beforeSendTransaction = { _ in nil }
        let client = SentryClient(options: options, sink: CollectingSink())
        let tracer = SentryTracer(client: client)
        let root = try #require(client.startTransaction(name: "GET /b", op: "http.server", source: .route))
        for name in ["one", "two"] { tracer.withSpan(name, context: root.context, ofKind: .client) { _ in } }
        root.finish()
        #expect(client.discards.snapshot == [.init(reason: .beforeSend, category: "transaction"): 1, .init(reason: .beforeSend, category: "span"): 3])
    }

    /// Sentry's Requests and Queries views read the description: method and URL (no query) for an HTTP call, the
    /// statement for a query that recorded one.
    @Test func clientSpansAreDescribedAsSentrysViewsReadThem() throws {
        let (client, sink) = Self.client()
        let tracer = SentryTracer(client: client)
        let root = try #require(client.startTransaction(name: "POST /api/v1/payments", op: "http.server", source: .route))
        tracer.withSpan("POST", context: root.context, ofKind: .client) { span in
            span.attributes["http.request.method"] = "POST"
            span.attributes["url.full"] = "https://psp.example.com/v1/charges?idempotency=p-1"
        }
        tracer.withSpan("payment by id", context: root.context, ofKind: .client) { span in
            span.attributes["db.system"] = "sqlite"
            span.attributes["db.query.text"] = "SELECT * FROM payments WHERE id = ?"
        }
        tracer.withSpan("user by session", context: root.context, ofKind: .client) { span in span.attributes["db.system"] = "sqlite" }
        root.finish()
        let item = try #require(sink.envelopes.first?.items.first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(item.payload)) as? [String: Any])
        let spans = try #require(payload["spans"] as? [[String: Any]]).map { "\($0["op"] ?? "") \($0["description"] ?? "")" }
        #expect(spans.sorted() == [
            "db SELECT * FROM payments WHERE id = ?", "db user by session", "http.client POST https://psp.example.com/v1/charges",
        ])
    }

    @Test func spansOutsideATransactionRecordNothing() {
        let (client, sink) = Self.client()
        let tracer = SentryTracer(client: client)
        let span = tracer.startSpan("query", context: .topLevel, ofKind: .client)
        #expect(span.sentrySpan == nil && !span.isRecording)
        span.end()
        #expect(sink.envelopes.isEmpty)
    }
}

struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
