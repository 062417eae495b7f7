import Foundation
import Instrumentation
import NIOHTTP1
import Tracing

/// A swift-distributed-tracing `Tracer` that turns spans into Sentry spans, so that libraries and the service's core
/// instrument with the vendor-neutral `withSpan` and Sentry receives them.
///
/// - A span started inside a Sentry transaction (found in the `InstrumentationContext`) becomes its child; its Sentry
///   `op` comes from the attributes (`db.system` → `db`, `messaging.operation.type` → `queue.<type>`, `cache.hit` →
///   `cache.get`) or else the operation name, and its description is the operation name.
/// - A `.server` or `.consumer` span with no Sentry parent starts a transaction (continuing an extracted trace), when the
///   tracer has a client. Other spans outside a transaction record nothing.
/// - `inject` writes `sentry-trace`, `baggage` and (with ``SentryOptions/propagateTraceparent``) `traceparent`;
///   `extract` reads all three.
///
/// Install it once, in `main`: `InstrumentationSystem.bootstrap(SentryTracer(client: client))`.
public struct SentryTracer: Tracer {
    public typealias Span = SentryTracingSpan

    let client: SentryClient?

    public init(client: SentryClient?) {
        self.client = client
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> SentryTracingSpan {
        let context = context()
        let start = Date(timeIntervalSince1970: Double(instant().nanosecondsSinceEpoch) / 1_000_000_000)
        if let parent = context.sentrySpan {
            guard parent.sampled else { return SentryTracingSpan(span: nil, context: context, name: operationName) }
            let child = parent.startChild(op: operationName, description: operationName, start: start)
            var childContext = context
            childContext.sentrySpan = child
            return SentryTracingSpan(span: child, context: childContext, name: operationName)
        }
        if kind == .server || kind == .consumer, let client,
            let root = client.startTransaction(
                name: operationName, op: kind == .server ? "http.server" : "queue.process", source: kind == .server ? .url : .task,
                continuing: context.incomingTrace, scope: ScopeBox.current ?? ScopeBox(Scope(maxBreadcrumbs: client.options.maxBreadcrumbs)),
                start: start
            )
        {
            var rootContext = context
            rootContext.sentrySpan = root
            return SentryTracingSpan(span: root, context: rootContext, name: operationName)
        }
        return SentryTracingSpan(span: nil, context: context, name: operationName)
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {
        context.incomingTrace = TraceContext(
            sentryTrace: extractor.extract(key: "sentry-trace", from: carrier), baggage: extractor.extract(key: "baggage", from: carrier),
            traceparent: extractor.extract(key: "traceparent", from: carrier)
        )
    }

    public func inject<Carrier, Inject>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        // AsyncHTTPClient injects into headers that already name the host: only the propagation targets get the trace.
        if let options = client?.options, options.tracePropagationTargets != nil, let outgoing = carrier as? HTTPHeaders,
            let host = outgoing.first(name: "host"), !options.propagatesTrace(toHost: host)
        {
            return
        }
        let headers: [String: String]
        if let span = context.sentrySpan {
            headers = span.propagationHeaders
        } else if let incoming = context.incomingTrace {
            headers = TraceContext.headers(
                traceID: incoming.traceID, spanID: incoming.spanID, sampled: incoming.sampled,
                dynamicSamplingContext: incoming.dynamicSamplingContext, foreignBaggage: incoming.foreignBaggage,
                traceparent: client?.options.propagateTraceparent ?? false
            )
        } else {
            return
        }
        for (key, value) in headers.sorted(by: { $0.key < $1.key }) { injector.inject(value, forKey: key, into: &carrier) }
    }
}

/// The span type ``SentryTracer`` hands out: a Sentry span, or nothing recording when outside a sampled transaction.
public struct SentryTracingSpan: Tracing.Span {
    public let sentrySpan: SentrySpan?
    public let context: InstrumentationContext
    private let name: String

    init(span: SentrySpan?, context: InstrumentationContext, name: String) {
        self.sentrySpan = span
        self.context = context
        self.name = name
    }

    public var operationName: String {
        get { sentrySpan?.spanDescription ?? name }
        nonmutating set { sentrySpan?.spanDescription = newValue }
    }

    public var attributes: SpanAttributes {
        get { sentrySpan?.attributes ?? [:] }
        nonmutating set { sentrySpan?.attributes = newValue }
    }

    public var isRecording: Bool { sentrySpan?.sampled ?? false }

    public func setStatus(_ status: Tracing.SpanStatus) {
        guard status.code == .error else { return }
        sentrySpan?.setStatus(.internalError)
    }

    public func addEvent(_ event: SpanEvent) {}

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        sentrySpan?.setStatus(.internalError)
    }

    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let sentrySpan else { return }
        sentrySpan.finish(at: Date(timeIntervalSince1970: Double(instant().nanosecondsSinceEpoch) / 1_000_000_000))
    }
}
