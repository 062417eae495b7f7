import Foundation

/// Who changed the maintenance plan, and when: kept with every change.
public struct MaintenanceChange: Sendable, Equatable {
    public var at: Date
    /// Who asked, as far as the server can tell: the admin token, the client's address, the request id.
    public var actor: String

    public init(at: Date, actor: String) {
        self.at = at
        self.actor = actor
    }
}

/// One entry of the maintenance plan's audit trail.
public struct MaintenanceAuditEntry: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable { case added, removed }
    public var at: Date
    public var action: Action
    public var window: MaintenanceWindow
    public var actor: String

    public init(at: Date, action: Action, window: MaintenanceWindow, actor: String) {
        self.at = at
        self.action = action
        self.window = window
        self.actor = actor
    }
}

/// Where maintenance windows declared through the API are kept, so that a restart keeps them, with an audit trail of
/// every change (a window's minutes leave the SLA: who declared or removed one must stay on record).
public protocol MaintenanceStore: Sendable {
    func maintenanceWindows() async throws -> [MaintenanceWindow]
    /// Stores the window and its audit entry in one transaction.
    func addMaintenanceWindow(_ window: MaintenanceWindow, change: MaintenanceChange) async throws
    /// Removes the window and records it, with `change`, in the audit trail; false when no window has this id.
    func removeMaintenanceWindow(id: String, change: MaintenanceChange) async throws -> Bool
    /// The audit trail, newest first.
    func maintenanceAudit(limit: Int) async throws -> [MaintenanceAuditEntry]
}

/// Every maintenance window: the SLO file's (fixed) and those declared through the API (stored).
public struct MaintenanceSchedule: Sendable {
    public let configured: [MaintenanceWindow]
    let store: any MaintenanceStore
    let now: @Sendable () -> Date

    /// The longest window the API accepts: longer "maintenance" would hide an outage. 7 days.
    public static let longest: TimeInterval = 7 * 86_400
    /// How far ahead a window may be planned: 1 year.
    public static let horizon: TimeInterval = 366 * 86_400
    /// How far back a window may start: 24 hours (maintenance declared a little late). More would let anyone with the
    /// admin token erase past outages from the SLA.
    public static let backdating: TimeInterval = 86_400

    public init(configured: [MaintenanceWindow], store: any MaintenanceStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configured = configured
        self.store = store
        self.now = now
    }

    /// All windows, earliest first.
    public func all() async throws -> [MaintenanceWindow] {
        (configured + (try await store.maintenanceWindows())).sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    /// Declares a window after checking it is sensible; the error's message says what to change. `actor` goes into the
    /// audit trail.
    public func add(start: Date, end: Date, reason: String, actor: String) async throws -> MaintenanceWindow {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard end > start else { throw MaintenanceError("end must be after start") }
        guard end.timeIntervalSince(start) <= Self.longest else { throw MaintenanceError("a maintenance window lasts at most 7 days") }
        guard start.timeIntervalSince(now()) <= Self.horizon else { throw MaintenanceError("start must be within a year from now") }
        guard now().timeIntervalSince(start) <= Self.backdating else {
            throw MaintenanceError("start may be at most 24 hours in the past: maintenance declared afterwards would erase an outage from the SLA")
        }
        guard (1...200).contains(reason.count) else { throw MaintenanceError("reason must be 1-200 characters: say what is being done") }
        var generator = SystemRandomNumberGenerator()
        let id = "mw_" + String(generator.next() as UInt64, radix: 16)
        let window = MaintenanceWindow(id: id, start: start, end: end, reason: reason, source: .api)
        try await store.addMaintenanceWindow(window, change: MaintenanceChange(at: now(), actor: actor))
        return window
    }

    /// Removes a window declared through the API; false when there is none with this id (the SLO file's cannot be removed).
    public func remove(id: String, actor: String) async throws -> Bool {
        try await store.removeMaintenanceWindow(id: id, change: MaintenanceChange(at: now(), actor: actor))
    }

    /// Every change made through the API, newest first.
    public func audit(limit: Int = 500) async throws -> [MaintenanceAuditEntry] {
        try await store.maintenanceAudit(limit: limit)
    }
}

/// A maintenance window the API refuses, with the reason.
public struct MaintenanceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
