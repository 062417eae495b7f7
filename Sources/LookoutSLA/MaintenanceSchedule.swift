import Foundation

/// Where maintenance windows declared through the API are kept, so that a restart keeps them.
public protocol MaintenanceStore: Sendable {
    func maintenanceWindows() async throws -> [MaintenanceWindow]
    func addMaintenanceWindow(_ window: MaintenanceWindow) async throws
    /// False when no window has this id.
    func removeMaintenanceWindow(id: String) async throws -> Bool
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

    public init(configured: [MaintenanceWindow], store: any MaintenanceStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configured = configured
        self.store = store
        self.now = now
    }

    /// All windows, earliest first.
    public func all() async throws -> [MaintenanceWindow] {
        (configured + (try await store.maintenanceWindows())).sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    /// Declares a window after checking it is sensible; the error's message says what to change.
    public func add(start: Date, end: Date, reason: String) async throws -> MaintenanceWindow {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard end > start else { throw MaintenanceError("end must be after start") }
        guard end.timeIntervalSince(start) <= Self.longest else { throw MaintenanceError("a maintenance window lasts at most 7 days") }
        guard start.timeIntervalSince(now()) <= Self.horizon else { throw MaintenanceError("start must be within a year from now") }
        guard (1...200).contains(reason.count) else { throw MaintenanceError("reason must be 1-200 characters: say what is being done") }
        var generator = SystemRandomNumberGenerator()
        let id = "mw_" + String(generator.next() as UInt64, radix: 16)
        let window = MaintenanceWindow(id: id, start: start, end: end, reason: reason, source: .api)
        try await store.addMaintenanceWindow(window)
        return window
    }

    /// Removes a window declared through the API; false when there is none with this id (the SLO file's cannot be removed).
    public func remove(id: String) async throws -> Bool {
        try await store.removeMaintenanceWindow(id: id)
    }
}

/// A maintenance window the API refuses, with the reason.
public struct MaintenanceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
