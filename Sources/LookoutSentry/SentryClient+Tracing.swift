import Foundation
import Instrumentation
import Synchronization

extension SentryClient {
    /// Starts a transaction: the root span of a unit of work (a request, a job).
    ///
    /// The sampling decision follows Sentry's trace propagation spec:
    /// - ``SentryOptions/tracesSampler``, when set, decides from a ``SamplingContext`` (which carries the caller's
    ///   decision and rate, so it may follow or override them);
    /// - else the caller's decision, when the incoming trace carries one;
    /// - else ``SentryOptions/tracesSampleRate``;
    /// - with neither set, tracing is off: nothing is recorded and the decision stays **deferred** (`sentry-trace`
    ///   without its flag, no `sentry-sampled`), so that a downstream service that does trace still decides for itself.
    /// A decision by rate compares the trace's `sample_rand` (the caller's, from its baggage, or ours, consistent with
    /// the caller's decision) with the rate, so that every service of a trace that uses the same rate decides alike.
    ///
    /// Returns nil when Sentry is disabled. A span that does not record still carries the trace id, so that errors link
    /// to it and downstream services stay in the same trace. Bind it with
    /// `InstrumentationContext.$current.withValue(span.context)` so that child spans find it.
    public func startTransaction(
        name: String, op: String, source: TransactionSource, continuing incoming: TraceContext? = nil, scope: ScopeBox? = ScopeBox.current,
        attributes: [String: String] = [:], start: Date = Date()
    ) -> SentrySpan? {
        guard options.isEnabled else { return nil }
        let parentRate = incoming?.dynamicSamplingContext["sample_rate"].flatMap(Double.init).map(Self.clampedRate)
        // The caller's `sample_rand`; ours is drawn only if a rate decides (or, later, when the context is propagated):
        // a random number per request would be a system call per request with tracing off.
        var sampleRand = incoming?.dynamicSamplingContext["sample_rand"].flatMap(Double.init).flatMap { (0..<1).contains($0) ? $0 : nil }
        var rate: Double?
        var decision: Bool?
        if let sampler = options.tracesSampler {
            let context = SamplingContext(
                name: name, op: op, source: source, parentSampled: incoming?.sampled, parentSampleRate: parentRate, attributes: attributes
            )
            rate = Self.clampedRate(sampler(context))
        } else if let upstream = incoming?.sampled {
            decision = upstream
            rate = parentRate
        } else {
            rate = options.tracesSampleRate.map(Self.clampedRate)
        }
        if decision == nil, let rate {
            let rand = sampleRand ?? Self.sampleRand(consistentWith: incoming?.sampled, rate: parentRate, random: random())
            sampleRand = rand
            decision = rand < rate
            if rate > 0, decision == false {
                // Its spans were never recorded: the root is the one span a client report can count.
                discards.record(.sampleRate, category: "transaction")
                discards.record(.sampleRate, category: "span")
            }
        }
        let recording = options.tracingEnabled && decision == true
        let traceID = incoming?.traceID ?? TraceContext.newTraceID()
        let spanID = TraceContext.newSpanID()
        let recorder = TransactionRecorder(
            client: self, traceID: traceID, rootSpanID: spanID, name: name, source: source, incoming: incoming, sampleRate: rate,
            sampleRand: sampleRand, decision: decision, recording: recording, scope: scope
        )
        return SentrySpan(
            transaction: recorder, traceID: traceID, spanID: spanID, parentSpanID: incoming?.spanID, sampled: recording, op: op,
            description: nil, start: start
        )
    }

    static func clampedRate(_ rate: Double) -> Double { rate.isNaN ? 0 : min(max(rate, 0), 1) }

    /// A new `sample_rand` in [0, 1) with six decimals (as it is propagated). When the caller decided with a known rate
    /// but sent no `sample_rand`, it is drawn from the part of [0, 1) that gives the same decision at that rate (below
    /// the rate when sampled, above it when not), so that our descendants decide as the caller did.
    static func sampleRand(consistentWith sampled: Bool?, rate: Double?, random: Double) -> Double {
        var low = 0.0, high = 1.0
        if let sampled, let rate {
            if sampled { high = rate } else { low = rate }
        }
        let value = low + (high - low) * random
        return min(floor(value * 1_000_000) / 1_000_000, 0.999_999)
    }

    /// Renames a transaction (a request's route is known only after routing).
    public func rename(_ span: SentrySpan, to name: String, source: TransactionSource) {
        span.transaction.source.withLock { $0 = (name, source) }
    }

    /// The dynamic sampling context this SDK puts at the head of a trace (the decision's members are the recorder's).
    func dynamicSamplingContext(traceID: String) -> [String: String] {
        var dsc = ["trace_id": traceID, "environment": options.environment]
        if let key = options.dsn?.publicKey { dsc["public_key"] = key }
        if let release = options.release { dsc["release"] = release }
        return dsc
    }

    /// Sends a finished transaction: scope values, options, contexts, `beforeSendTransaction`, scrubbing, queue.
    func capture(transaction: SentryTransaction, scope: Scope?) {
        guard let dsn = options.dsn else { return }
        var transaction = transaction
        let global = globalScope.scope
        let scope = scope?.merged(over: global) ?? global
        transaction.tags = scope.tags.merging(transaction.tags) { $1 }
        if transaction.user.isEmpty { transaction.user = scope.user }
        transaction.contexts = scope.contexts.merging(transaction.contexts) { $1 }
        if transaction.request == nil { transaction.request = scope.request }
        transaction.release = transaction.release ?? options.release
        transaction.environment = transaction.environment ?? options.environment
        transaction.serverName = transaction.serverName ?? options.serverName
        transaction.contexts = baseContexts.merging(transaction.contexts) { $1 }
        if let hook = options.beforeSendTransaction {
            guard let kept = hook(transaction) else {
                discards.record(.beforeSend, category: "transaction")
                discards.record(.beforeSend, category: "span", quantity: transaction.spans.count + 1)
                return
            }
            transaction = kept
        }
        // Scrubbed and serialised by the transport's task, as events are.
        let (scrubber, sdk, snapshot) = (scrubber, sdk, transaction)
        var item = Envelope.Item(type: "transaction") { scrubber.scrub(snapshot).json(sdk: sdk).serialized }
        item.spanCount = transaction.spans.count + 1
        var envelope = Envelope(eventID: transaction.eventID, dsn: dsn, sdk: sdk, items: [item])
        envelope.trace = transaction.dynamicSamplingContext
        sink.enqueue(envelope)
    }
}

/// What ``SentryOptions/tracesSampler`` decides from.
public struct SamplingContext: Sendable {
    /// The transaction's name as it starts (for a request: method and path, before routing names it).
    public var name: String
    /// `http.server`, `queue.process`, …
    public var op: String
    public var source: TransactionSource
    /// The caller's decision, when its trace carries one.
    public var parentSampled: Bool?
    /// The rate the caller decided with, from its baggage.
    public var parentSampleRate: Double?
    /// What the integration knows of the work: for a request `http.request.method` and `url.path`.
    public var attributes: [String: String]

    public init(
        name: String, op: String, source: TransactionSource, parentSampled: Bool? = nil, parentSampleRate: Double? = nil,
        attributes: [String: String] = [:]
    ) {
        self.name = name
        self.op = op
        self.source = source
        self.parentSampled = parentSampled
        self.parentSampleRate = parentSampleRate
        self.attributes = attributes
    }
}
