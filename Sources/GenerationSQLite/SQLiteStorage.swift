import Foundation
import GenerationCore
import GRDB

/// The SQLite implementation of ``Storage`` (its conformances are in the `SQLiteStorage+…` files): one file in WAL mode (or an in-memory database for tests).
///
/// Every business operation is one `BEGIN IMMEDIATE` transaction, so that two processes sharing the file (the
/// `backend` and a standalone `worker`) serialise their writes instead of failing on a lock upgrade.
public final class SQLiteStorage: StorageHealthCheck {
    public enum Location: Sendable, Equatable {
        /// A database file; its folder is created if missing.
        case file(path: String)
        /// A private in-memory database, gone when the storage is released.
        case inMemory
    }

    let writer: any DatabaseWriter
    public let location: Location

    /// Opens (creating if needed) the database and applies every pending migration.
    public init(location: Location) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "lookout"
        self.location = location
        switch location {
        case .file(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            writer = try DatabasePool(path: path, configuration: configuration)
        case .inMemory:
            writer = try DatabaseQueue(configuration: configuration)
        }
        try Migrations.migrator.migrate(writer)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    public func health() async -> StorageHealth {
        do {
            return try await writer.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT 1")
                let migrated = try Migrations.migrator.hasCompletedMigrations(db)
                let heartbeat = migrated ? try Double.fetchOne(db, sql: "SELECT MAX(last_seen) FROM worker_heartbeats") : nil
                return StorageHealth(reachable: true, migrationsApplied: migrated, latestWorkerHeartbeat: heartbeat.map(Date.init(timeIntervalSince1970:)))
            }
        } catch {
            return StorageHealth(reachable: false, migrationsApplied: false, latestWorkerHeartbeat: nil)
        }
    }
}

extension Date {
    /// Dates are stored as Unix seconds (REAL), which sort and compare in SQL.
    var databaseValue: Double { timeIntervalSince1970 }
}

extension Row {
    func date(_ column: String) -> Date { Date(timeIntervalSince1970: self[column]) }
    func optionalDate(_ column: String) -> Date? { (self[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
}
