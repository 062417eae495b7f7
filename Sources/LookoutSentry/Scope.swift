import Foundation
import Instrumentation
import Synchronization

/// What an event inherits from where it happened: tags, user, contexts, extra and breadcrumbs.
///
/// Three scopes, as in Sentry's unified API, each overriding the one before:
/// - the **global** scope (``SentryClient/globalScope``): process-wide values (a replica's tags, a deployment's
///   context) and the breadcrumbs recorded outside any unit of work;
/// - the **isolation** scope of a unit of work (a request, a job): a ``ScopeBox`` bound task-locally with
///   ``ScopeBox/withScope(_:operation:)``, so concurrent requests never see each other's tags, user or breadcrumbs;
/// - a **temporary** scope (``ScopeBox/withNewScope(_:operation:)``) for a part of the work: what is set in it is gone
///   when the part ends.
/// Release and environment are not scope values: they come from ``SentryOptions`` for every event.
public struct Scope: Sendable, Equatable {
    public var tags: [String: String] = [:]
    public var user: [String: String] = [:]
    public var contexts: [String: JSONValue] = [:]
    public var extra: [String: JSONValue] = [:]
    public var fingerprint: [String] = []
    public var transaction: String?
    /// The HTTP request being handled, for events and transactions of this unit of work.
    public var request: SentryRequest?
    /// Set by an integration that captured the error ending this unit of work, so that the log line about the same
    /// error becomes a breadcrumb rather than a second event.
    public var capturedError = false
    public private(set) var breadcrumbs: [Breadcrumb] = []
    /// Oldest breadcrumbs are dropped beyond this. Default: 100.
    public var maxBreadcrumbs: Int

    public init(maxBreadcrumbs: Int = 100) {
        self.maxBreadcrumbs = maxBreadcrumbs
    }

    public mutating func addBreadcrumb(_ breadcrumb: Breadcrumb) {
        guard maxBreadcrumbs > 0 else { return }
        breadcrumbs.append(breadcrumb)
        if breadcrumbs.count > maxBreadcrumbs { breadcrumbs.removeFirst(breadcrumbs.count - maxBreadcrumbs) }
    }

    /// This scope over `base`: values set here win, tags, contexts and extra are merged, breadcrumbs are the base's
    /// followed by these (the newest kept). Request and error flag come from here, else from the base.
    public func merged(over base: Scope) -> Scope {
        var merged = self
        merged.tags = base.tags.merging(tags) { $1 }
        if user.isEmpty { merged.user = base.user }
        merged.contexts = base.contexts.merging(contexts) { $1 }
        merged.extra = base.extra.merging(extra) { $1 }
        if fingerprint.isEmpty { merged.fingerprint = base.fingerprint }
        if transaction == nil { merged.transaction = base.transaction }
        if request == nil { merged.request = base.request }
        merged.capturedError = capturedError || base.capturedError
        if !base.breadcrumbs.isEmpty {
            let inOrder = (base.breadcrumbs + breadcrumbs).sorted { $0.timestamp < $1.timestamp }
            merged.breadcrumbs = Array(inOrder.suffix(max(maxBreadcrumbs, 0)))
        }
        return merged
    }

    /// Fills in what the event does not set itself: event values win over scope values.
    public func apply(to event: SentryEvent) -> SentryEvent {
        var event = event
        event.tags = tags.merging(event.tags) { $1 }
        event.user = event.user.isEmpty ? user : event.user
        event.contexts = contexts.merging(event.contexts) { $1 }
        event.extra = extra.merging(event.extra) { $1 }
        if event.fingerprint.isEmpty { event.fingerprint = fingerprint }
        if event.transaction == nil { event.transaction = transaction }
        if event.request == nil { event.request = request }
        event.breadcrumbs = (breadcrumbs + event.breadcrumbs).suffix(max(maxBreadcrumbs, 0))
        return event
    }
}

/// A mutable scope for one unit of work (a request, a job), shared by the code that handles it.
///
/// Breadcrumbs recorded while handling a request must reach an event captured later in the same request, across
/// suspension points; a task-local value alone is immutable. The box is created per request and reached through the
/// task-local ``ScopeBox/current``.
public final class ScopeBox: Sendable {
    private let storage: Mutex<Scope>
    private let requestSource: (@Sendable () -> SentryRequest)?
    /// For a temporary scope: the scope it was made in, read through on every read (so that what the enclosing work
    /// records meanwhile still shows), never written.
    private let parent: ScopeBox?

    /// - Parameter request: builds the scope's ``Scope/request`` when something reads the scope (an event or a sent
    ///   transaction) and the scope has none: most requests are never reported, so an integration hands over how to
    ///   describe the request, not the description (its URL and headers were most of the Sentry middleware's cost).
    public init(_ scope: Scope = Scope(), request: (@Sendable () -> SentryRequest)? = nil) {
        storage = Mutex(scope)
        requestSource = request
        parent = nil
    }

    private init(overlay: Scope, over parent: ScopeBox) {
        storage = Mutex(overlay)
        requestSource = nil
        self.parent = parent
    }

    /// A copy of the scope, its request described (a temporary scope: merged over the scope it was made in).
    public var scope: Scope {
        var scope = storage.withLock { $0 }
        if let parent { return scope.merged(over: parent.scope) }
        if scope.request == nil, let requestSource { scope.request = requestSource() }
        return scope
    }

    /// Whether an integration already captured the error ending this unit of work (``Scope/capturedError``), read
    /// without copying the scope.
    public var capturedError: Bool { storage.withLock { $0.capturedError } || parent?.capturedError == true }

    public func update(_ change: (inout Scope) -> Void) { storage.withLock { change(&$0) } }

    /// The scope bound with ``withScope(_:operation:)``.
    @TaskLocal static var bound: ScopeBox?

    /// The scope of the unit of work running now, if any: the one bound with ``withScope(_:operation:)``, else the one
    /// of the transaction current in the `InstrumentationContext` (a job's, started through ``SentryTracer``).
    public static var current: ScopeBox? { bound ?? InstrumentationContext.current?.sentrySpan?.transaction.scope }

    /// Runs `operation` with a temporary scope made from the current one (or an empty one outside any unit of work) and
    /// changed by `configure`: events captured inside carry both; tags, breadcrumbs and the rest set inside are gone
    /// when it returns, and the enclosing scope is never written.
    ///
    /// ```swift
    /// try await ScopeBox.withNewScope({ $0.tags["import.batch"] = batch.id }) { try await importer.run(batch) }
    /// ```
    public static func withNewScope<T>(
        _ configure: (inout Scope) -> Void, operation: () async throws -> T, isolation: isolated (any Actor)? = #isolation
    ) async rethrows -> T {
        var overlay = Scope(maxBreadcrumbs: current?.storage.withLock { $0.maxBreadcrumbs } ?? Scope().maxBreadcrumbs)
        configure(&overlay)
        let box = current.map { ScopeBox(overlay: overlay, over: $0) } ?? ScopeBox(overlay)
        return try await $bound.withValue(box, operation: operation, isolation: isolation)
    }

    /// Runs `operation` (and every child task it starts) with `box` as the current scope.
    public static func withScope<T>(
        _ box: ScopeBox, operation: () async throws -> T, isolation: isolated (any Actor)? = #isolation
    ) async rethrows -> T {
        try await $bound.withValue(box, operation: operation, isolation: isolation)
    }
}
