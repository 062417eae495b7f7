import Foundation
import Instrumentation
import Synchronization

extension SentryClient {
    /// Starts a transaction: the root span of a unit of work (a request, a job).
    ///
    /// The sampling decision is the caller's when the incoming trace carries one; otherwise ``SentryOptions/tracesSampler``
    /// (given `name`) or ``SentryOptions/tracesSampleRate`` decides. Returns nil when Sentry is disabled. An unsampled
    /// transaction records nothing but still carries the trace id, so that downstream services stay in the same trace.
    /// Bind it with `InstrumentationContext.$current.withValue(span.context)` so that child spans find it.
    public func startTransaction(
        name: String, op: String, source: TransactionSource, continuing incoming: TraceContext? = nil, scope: ScopeBox? = ScopeBox.current,
        start: Date = Date()
    ) -> SentrySpan? {
        guard options.isEnabled else { return nil }
        let sampled: Bool
        var rate: Double?
        if let upstream = incoming?.sampled {
            sampled = upstream
        } else {
            let chosen = options.tracesSampler?(name) ?? options.tracesSampleRate
            rate = chosen
            sampled = chosen > 0 && random() < chosen
            if !sampled, chosen > 0 { discards.record(.sampleRate, category: "transaction") }
        }
        let traceID = incoming?.traceID ?? TraceContext.newTraceID()
        let spanID = TraceContext.newSpanID()
        let recorder = TransactionRecorder(
            client: self, traceID: traceID, rootSpanID: spanID, name: name, source: source, incoming: incoming, sampleRate: rate,
            sampled: sampled, scope: scope
        )
        return SentrySpan(
            transaction: recorder, traceID: traceID, spanID: spanID, parentSpanID: incoming?.spanID, sampled: sampled, op: op,
            description: nil, start: start
        )
    }

    /// Renames a transaction (a request's route is known only after routing).
    public func rename(_ span: SentrySpan, to name: String, source: TransactionSource) {
        span.transaction.source.withLock { $0 = (name, source) }
    }

    /// The dynamic sampling context this SDK puts at the head of a trace.
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
                return
            }
            transaction = kept
        }
        // Scrubbed and serialised by the transport's task, as events are.
        let (scrubber, sdk, snapshot) = (scrubber, sdk, transaction)
        var envelope = Envelope(
            eventID: transaction.eventID, dsn: dsn, sdk: sdk, items: [.init(type: "transaction") { scrubber.scrub(snapshot).json(sdk: sdk).serialized }]
        )
        envelope.trace = transaction.dynamicSamplingContext
        sink.enqueue(envelope)
    }
}
