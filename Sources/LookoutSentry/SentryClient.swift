import Foundation
import Synchronization
import Instrumentation
import LookoutBacktrace

/// Where finished envelopes go. Implementations must never make the caller wait: queue, and drop (counting) when full.
public protocol EnvelopeSink: Sendable {
    func enqueue(_ envelope: Envelope)
}

/// Turns errors and messages into scrubbed Sentry events and hands them to an ``EnvelopeSink``.
///
/// Disabled (no DSN): every capture returns at once, doing no work. Enabled: the event gets the current unit of work's
/// scope, the release, environment, server name and the os/runtime contexts; then sampling and `beforeSend` may drop it
/// (counted by reason); then the ``Scrubber`` removes secrets and PII; then it is enqueued. The caller never waits on
/// the network.
public final class SentryClient: Sendable {
    public let options: SentryOptions
    public let discards: DiscardCounter
    let sink: any EnvelopeSink
    let scrubber: Scrubber
    let sdk: SDKInfo
    let baseContexts: [String: JSONValue]
    let random: @Sendable () -> Double
    /// Process-wide scope values under every unit of work's (``Scope``): set tags or contexts that hold for the whole
    /// process here (`client.globalScope.update { $0.tags["replica"] = "2" }`); breadcrumbs recorded outside a request
    /// or job land here too, so that the next event anywhere shows what happened before it.
    public let globalScope: ScopeBox
    /// Release health: requests and jobs counted per minute by how they ended (``recordSession(_:at:)``).
    public let sessions: SessionAggregator
    private let eventProcessors = Mutex<[@Sendable (SentryEvent) -> SentryEvent?]>([])

    public init(
        options: SentryOptions, sink: any EnvelopeSink, discards: DiscardCounter = DiscardCounter(), sdk: SDKInfo = .lookout,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.options = options
        self.sink = sink
        self.discards = discards
        self.sdk = sdk
        self.random = random
        self.scrubber = Scrubber(sendDefaultPII: options.sendDefaultPII)
        self.baseContexts = Self.runtimeContexts()
        self.globalScope = ScopeBox(Scope(maxBreadcrumbs: options.maxBreadcrumbs))
        self.sessions = SessionAggregator(discards: discards)
        // Errors record where they were made only once something will report them (whatever attachStacktrace says).
        if options.isEnabled { CapturedBacktrace.prepare() }
    }

    /// Captures a Swift error. Returns the event id, or nil when nothing was sent (disabled, sampled out, dropped).
    @discardableResult
    public func capture(error: any Error, handled: Bool = true, level: SentryLevel = .error, mechanism: String = "generic") -> String? {
        guard options.isEnabled else { return nil }
        return capture(event: SentryEvent(level: level, exceptions: [SentryException(error: error, handled: handled, mechanismType: mechanism)]))
    }

    /// Captures a message (sent as `logentry`).
    @discardableResult
    public func capture(message: String, level: SentryLevel = .info) -> String? {
        guard options.isEnabled else { return nil }
        return capture(event: SentryEvent(level: level, message: message))
    }

    /// Captures a prepared event through the whole pipeline.
    @discardableResult
    public func capture(event: SentryEvent) -> String? {
        guard let dsn = options.dsn else { return nil }
        if options.sampleRate < 1, random() >= options.sampleRate {
            discards.record(.sampleRate, category: "error")
            return nil
        }
        if options.ignores(event) {
            discards.record(.eventProcessor, category: "error")
            return nil
        }
        var event = currentScope.apply(to: event)
        if options.attachStacktrace, event.backtrace == nil { event.backtrace = CapturedBacktrace.here() }
        event.release = event.release ?? options.release
        event.environment = event.environment ?? options.environment
        event.serverName = event.serverName ?? options.serverName
        event.contexts = baseContexts.merging(event.contexts) { $1 }
        var trace: [String: String] = [:]
        if let span = InstrumentationContext.current?.sentrySpan {
            // Links the error to the transaction it happened in.
            var traceContext: [String: JSONValue] = ["trace_id": .string(span.traceID), "span_id": .string(span.spanID), "op": .string(span.op)]
            if let parent = span.parentSpanID { traceContext["parent_span_id"] = .string(parent) }
            event.contexts["trace"] = .object(traceContext)
            trace = span.transaction.dynamicSamplingContext
        }
        for processor in eventProcessors.withLock({ $0 }) {
            guard let kept = processor(event) else {
                discards.record(.eventProcessor, category: "error")
                return nil
            }
            event = kept
        }
        if let beforeSend = options.beforeSend {
            guard let kept = beforeSend(event) else {
                discards.record(.beforeSend, category: "error")
                return nil
            }
            event = kept
        }
        // Scrubbing and serialising are left to the transport's task: the caller only snapshots (see Envelope.Item).
        // So are the ids taken out of exception values and the symbolication of its backtraces.
        let (scrubber, sdk, snapshot, inApp) = (scrubber, sdk, event, options.inApp)
        var envelope = Envelope(eventID: event.eventID, dsn: dsn, sdk: sdk, items: [.init(type: "event") {
            var event = snapshot
            event.parameterizeExceptionValues()
            return scrubber.scrub(event).json(sdk: sdk, inApp: inApp).serialized
        }])
        envelope.trace = trace
        sink.enqueue(envelope)
        return event.eventID
    }

    /// The scope an event captured now gets: the current unit of work's (and temporary) scope over the global one.
    var currentScope: Scope {
        let global = globalScope.scope
        guard let current = ScopeBox.current else { return global }
        return current.scope.merged(over: global)
    }

    /// Adds a function every error event passes through after its scope is applied and before `beforeSend`, in the
    /// order added: it may change the event or drop it (`nil`, counted as `event_processor`). Runs on the capturing
    /// caller: keep it cheap.
    public func addEventProcessor(_ processor: @escaping @Sendable (SentryEvent) -> SentryEvent?) {
        eventProcessors.withLock { $0.append(processor) }
    }

    /// Records a breadcrumb (after `beforeBreadcrumb`) in the current unit of work's scope, or in the global scope
    /// outside any.
    public func addBreadcrumb(_ breadcrumb: Breadcrumb) {
        guard options.isEnabled else { return }
        let box = ScopeBox.current ?? globalScope
        guard let kept = options.beforeBreadcrumb.map({ $0(breadcrumb) }) ?? breadcrumb else { return }
        let limit = options.maxBreadcrumbs
        box.update { scope in
            scope.maxBreadcrumbs = limit
            scope.addBreadcrumb(kept)
        }
    }

    /// The os and runtime contexts: real values of this process, read once.
    static func runtimeContexts() -> [String: JSONValue] {
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        #if compiler(>=6.3)
        let swiftVersion = "6.3"
        #else
        let swiftVersion = "6.2"
        #endif
        return [
            "os": ["name": .string(field(system.sysname)), "kernel_version": .string(field(system.release))],
            "runtime": ["name": "swift", "version": .string(swiftVersion)],
        ]
    }
}
