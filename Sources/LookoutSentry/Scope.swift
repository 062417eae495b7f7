import Foundation
import Instrumentation
import Synchronization

/// What an event inherits from where it happened: tags, user, contexts, extra and breadcrumbs.
///
/// Each unit of work (a request, a job) gets its own scope in a ``ScopeBox`` bound task-locally with
/// ``ScopeBox/withScope(_:operation:)``, so concurrent requests never see each other's tags, user or breadcrumbs.
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

    /// - Parameter request: builds the scope's ``Scope/request`` when something reads the scope (an event or a sent
    ///   transaction) and the scope has none: most requests are never reported, so an integration hands over how to
    ///   describe the request, not the description (its URL and headers were most of the Sentry middleware's cost).
    public init(_ scope: Scope = Scope(), request: (@Sendable () -> SentryRequest)? = nil) {
        storage = Mutex(scope)
        requestSource = request
    }

    /// A copy of the scope, its request described.
    public var scope: Scope {
        var scope = storage.withLock { $0 }
        if scope.request == nil, let requestSource { scope.request = requestSource() }
        return scope
    }

    /// Whether an integration already captured the error ending this unit of work (``Scope/capturedError``), read
    /// without copying the scope.
    public var capturedError: Bool { storage.withLock { $0.capturedError } }

    public func update(_ change: (inout Scope) -> Void) { storage.withLock { change(&$0) } }

    /// The scope bound with ``withScope(_:operation:)``.
    @TaskLocal static var bound: ScopeBox?

    /// The scope of the unit of work running now, if any: the one bound with ``withScope(_:operation:)``, else the one
    /// of the transaction current in the `InstrumentationContext` (a job's, started through ``SentryTracer``).
    public static var current: ScopeBox? { bound ?? InstrumentationContext.current?.sentrySpan?.transaction.scope }

    /// Runs `operation` (and every child task it starts) with `box` as the current scope.
    public static func withScope<T>(
        _ box: ScopeBox, operation: () async throws -> T, isolation: isolated (any Actor)? = #isolation
    ) async rethrows -> T {
        try await $bound.withValue(box, operation: operation, isolation: isolation)
    }
}
