import Foundation
import Instrumentation
import Synchronization
import Tracing

/// A span of a Sentry transaction: the root (the transaction itself) or a child (a query, a cache lookup, …).
///
/// Created by ``SentryClient/startTransaction(name:op:source:continuing:)`` for roots and by ``SentryTracer`` for
/// children, so that code instrumented with swift-distributed-tracing's `withSpan` reports to Sentry without knowing it.
/// A span that is not sampled records nothing; it still carries the trace for propagation.
public final class SentrySpan: Sendable {
    public let traceID: String
    public let spanID: String
    public let parentSpanID: String?
    /// Whether the span records (its transaction was sampled and tracing is on). Not the propagated decision, which
    /// may be deferred: see ``samplingDecision``.
    public let sampled: Bool
    let transaction: TransactionRecorder

    /// The trace's sampling decision as it is propagated: nil while deferred (tracing off and no caller decision).
    public var samplingDecision: Bool? { transaction.decision }

    struct Mutable {
        var op: String
        var description: String?
        var status: SentrySpanStatus?
        var attributes = SpanAttributes()
        var ended = false
    }

    let mutable: Mutex<Mutable>
    let start: Date

    init(transaction: TransactionRecorder, traceID: String, spanID: String, parentSpanID: String?, sampled: Bool, op: String, description: String?, start: Date) {
        self.transaction = transaction
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.sampled = sampled
        self.start = start
        self.mutable = Mutex(Mutable(op: op, description: description))
    }

    /// Whether this is the transaction's root span.
    public var isRoot: Bool { transaction.rootSpanID == spanID }

    /// The context that makes this span current for `withSpan` calls and outgoing headers.
    public var context: InstrumentationContext {
        var context = InstrumentationContext.current ?? .topLevel
        context.sentrySpan = self
        return context
    }

    public var op: String {
        get { mutable.withLock { $0.op } }
        set { mutable.withLock { $0.op = newValue } }
    }

    public var spanDescription: String? {
        get { mutable.withLock { $0.description } }
        set { mutable.withLock { $0.description = newValue } }
    }

    /// OpenTelemetry-style attributes; they become the span's `data` (and decide its `op`, see ``SentryTracer``).
    /// A span that is not sampled keeps none: nobody will read them, and instrumented code sets them on every call.
    public var attributes: SpanAttributes {
        get { mutable.withLock { $0.attributes } }
        set {
            guard sampled else { return }
            mutable.withLock { $0.attributes = newValue }
        }
    }

    public func setStatus(_ status: SentrySpanStatus) {
        guard sampled else { return }
        mutable.withLock { $0.status = status }
    }

    /// Starts a child span (not sampled: returns a span that records nothing).
    public func startChild(op: String, description: String?, start: Date = Date()) -> SentrySpan {
        SentrySpan(
            transaction: transaction, traceID: traceID, spanID: TraceContext.newSpanID(), parentSpanID: spanID, sampled: sampled, op: op,
            description: description, start: start
        )
    }

    /// Ends the span: a child is added to its transaction; the root sends the transaction. Later calls do nothing.
    public func finish(at end: Date = Date()) {
        let state = mutable.withLock { state -> Mutable? in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let state, sampled else { return }
        let op = isRoot ? state.op : Self.op(state)
        let record = SpanRecord(
            traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, op: op, description: isRoot ? state.description : Self.description(state, op: op),
            start: start, end: max(end, start), status: state.status ?? .ok, data: Self.data(state.attributes)
        )
        if isRoot {
            transaction.finish(root: record)
        } else {
            transaction.add(record)
        }
    }

    /// The outgoing propagation headers for calls made inside this span: `sentry-trace` and `baggage`, and W3C
    /// `traceparent` when ``SentryOptions/propagateTraceparent`` is on.
    public var propagationHeaders: [String: String] {
        TraceContext.headers(
            traceID: traceID, spanID: spanID, sampled: transaction.decision, dynamicSamplingContext: transaction.dynamicSamplingContext,
            foreignBaggage: transaction.foreignBaggage, traceparent: transaction.client.options.propagateTraceparent
        )
    }

    /// Sentry's `op` from the span's OpenTelemetry-style attributes when they say what it is, else what was set.
    static func op(_ state: Mutable) -> String {
        let attributes = state.attributes
        if attributes.get("db.system") != nil { return "db" }
        if case .string(let type)? = attributes.get("messaging.operation.type") { return "queue.\(type)" }
        if attributes.get("cache.hit") != nil { return "cache.get" }
        if attributes.get("http.request.method") != nil { return "http.client" }
        return state.op
    }

    /// The description Sentry's Requests and Queries views read: `GET https://host/path` for an HTTP client span
    /// (AsyncHTTPClient names its spans by the method alone; the query is left out, as Sentry's SDKs do), the statement
    /// for a database span that recorded it (`db.query.text`), else what was set.
    static func description(_ state: Mutable, op: String) -> String? {
        let attributes = state.attributes
        switch op {
        case "http.client":
            guard case .string(let method)? = attributes.get("http.request.method"), case .string(let url)? = attributes.get("url.full") else {
                return state.description
            }
            return "\(method) \(Scrubber.stripQuery(url))"
        case "db":
            if case .string(let statement)? = attributes.get("db.query.text") { return statement }
            return state.description
        default:
            return state.description
        }
    }

    static func data(_ attributes: SpanAttributes) -> [String: JSONValue] {
        var data: [String: JSONValue] = [:]
        attributes.forEach { key, value in
            switch value {
            case .int32(let number): data[key] = .int(Int64(number))
            case .int64(let number): data[key] = .int(number)
            case .double(let number): data[key] = .double(number)
            case .bool(let flag): data[key] = .bool(flag)
            case .string(let text): data[key] = .string(text)
            case .stringArray(let texts): data[key] = .array(texts.map { .string($0) })
            default: data[key] = .string("\(value)")
            }
        }
        return data
    }
}

/// Collects a transaction's finished child spans until its root ends, then hands the transaction to the client.
final class TransactionRecorder: Sendable {
    /// Spans kept per transaction; beyond this they are dropped (a runaway loop must not grow memory).
    static let maxSpans = 1000

    let client: SentryClient
    let traceID: String
    let rootSpanID: String
    let source: Mutex<(name: String, source: TransactionSource)>
    /// The caller's dynamic sampling context, when it sent one.
    let incomingDSC: [String: String]?
    let foreignBaggage: [String]
    let sampleRate: Double?
    /// The trace's random number for sampling decisions (`sample_rand`), when the decision needed it; otherwise drawn
    /// when the sampling context is first propagated or sent (most requests, with tracing off, never need one).
    let sampleRand: Double?
    /// The trace's sampling decision as propagated: nil while it is deferred (tracing off, no caller decision).
    let decision: Bool?
    /// Whether this transaction records spans and is sent.
    let recording: Bool
    let scope: ScopeBox?
    private let spans = Mutex<[SpanRecord]>([])
    private let frozenDSC = Mutex<[String: String]?>(nil)

    init(
        client: SentryClient, traceID: String, rootSpanID: String, name: String, source: TransactionSource, incoming: TraceContext?, sampleRate: Double?,
        sampleRand: Double?, decision: Bool?, recording: Bool, scope: ScopeBox?
    ) {
        self.client = client
        self.traceID = traceID
        self.rootSpanID = rootSpanID
        self.source = Mutex((name, source))
        self.incomingDSC = incoming.flatMap { $0.dynamicSamplingContext.isEmpty ? nil : $0.dynamicSamplingContext }
        self.foreignBaggage = incoming?.foreignBaggage ?? []
        self.sampleRate = sampleRate
        self.sampleRand = sampleRand
        self.decision = decision
        self.recording = recording
        self.scope = scope
    }

    func add(_ record: SpanRecord) {
        let kept = spans.withLock { spans -> Bool in
            guard spans.count < Self.maxSpans else { return false }
            spans.append(record)
            return true
        }
        if !kept { client.discards.record(.eventProcessor, category: "span") }
    }

    /// The head's dynamic sampling context, frozen on first use: the caller's when it sent one (passed on as it came,
    /// with our `sample_rand` when it had none), else ours.
    var dynamicSamplingContext: [String: String] {
        frozenDSC.withLock { frozen in
            if let frozen { return frozen }
            // Drawn only now when the decision did not need it: consistent with the decision at its rate.
            let rand = Self.format(
                sampleRand ?? SentryClient.sampleRand(consistentWith: decision, rate: sampleRate, random: client.random())
            )
            var dsc: [String: String]
            if let incomingDSC {
                dsc = incomingDSC
                if dsc["sample_rand"] == nil { dsc["sample_rand"] = rand }
            } else {
                let (name, source) = self.source.withLock { $0 }
                dsc = client.dynamicSamplingContext(traceID: traceID)
                if source != .url { dsc["transaction"] = name }
                if let sampleRate { dsc["sample_rate"] = String(sampleRate) }
                if let decision { dsc["sampled"] = decision ? "true" : "false" }
                dsc["sample_rand"] = rand
            }
            frozen = dsc
            return dsc
        }
    }

    /// `0.000000`…`0.999999`: six decimals, as propagated.
    static func format(_ sampleRand: Double) -> String {
        let millionths = min(max(Int(sampleRand * 1_000_000), 0), 999_999)
        let digits = String(millionths)
        return "0." + String(repeating: "0", count: 6 - digits.count) + digits
    }

    func finish(root: SpanRecord) {
        let (name, source) = self.source.withLock { $0 }
        var transaction = SentryTransaction(name: name, source: source, root: root, spans: spans.withLock { $0 })
        transaction.dynamicSamplingContext = dynamicSamplingContext
        client.capture(transaction: transaction, scope: scope?.scope)
    }
}

extension InstrumentationContext {
    private enum SentrySpanKey: InstrumentationContextKey {
        typealias Value = SentrySpan
    }

    private enum IncomingTraceKey: InstrumentationContextKey {
        typealias Value = TraceContext
    }

    /// The Sentry span current in this context, if any.
    public var sentrySpan: SentrySpan? {
        get { self[SentrySpanKey.self] }
        set { self[SentrySpanKey.self] = newValue }
    }

    /// A trace read from incoming headers (``SentryTracer``'s `extract`), continued by the next root span.
    public var incomingTrace: TraceContext? {
        get { self[IncomingTraceKey.self] }
        set { self[IncomingTraceKey.self] = newValue }
    }
}
