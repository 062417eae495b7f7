import Foundation
import GenerationCore
import GRDB
import LookoutSLA
import Synchronization
import Tracing

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

    /// When a commit is on disk (SQLite's `PRAGMA synchronous`, on the connection that writes).
    public enum Synchronous: String, Sendable, CaseIterable {
        /// Each commit is synced before it returns: an approved payment survives a power loss. The default.
        case full
        /// WAL's usual setting: commits are synced at checkpoints; a power loss (not a crash of the process) can roll
        /// back the last commits.
        case normal
    }

    let writer: any DatabaseWriter
    public let location: Location
    let observer: (any DatabaseObserver)?
    /// How long SLA buckets are kept, by grain (``SLARollup/Retention``).
    public let slaRetention: SLARollup.Retention
    /// The last hour (of data time) old SLA buckets were purged in.
    let slaPurgeMark = Mutex<Int64>(.min)

    /// Opens (creating if needed) the database; ``migrate()`` brings its schema up to date (the backend runs it before
    /// its server starts, the worker before it claims a job).
    /// - Parameters:
    ///   - observer: told about every connection use (pool size, wait, hold time, errors by operation).
    ///   - slaRetention: how long SLA history is kept, by grain (default: minutes and hours 35 days, days 400).
    ///   - synchronous: when a commit is on disk; default ``Synchronous/full``.
    public init(
        location: Location, observer: (any DatabaseObserver)? = nil, slaRetention: SLARollup.Retention = .init(), synchronous: Synchronous = .full
    ) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "lookout"
        self.location = location
        self.observer = observer
        self.slaRetention = slaRetention
        switch location {
        case .file(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let pool = try DatabasePool(path: path, configuration: configuration)
            // After the pool's own set-up, which puts WAL connections at NORMAL. Only the writer commits.
            try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue.uppercased())") }
            writer = pool
        case .inMemory:
            writer = try DatabaseQueue(configuration: configuration)
        }
        observer?.poolOpened(maximumConnections: maximumConnections)
    }

    /// Opens the database and applies every pending migration: for tests and tools.
    public static func migrated(
        location: Location, observer: (any DatabaseObserver)? = nil, slaRetention: SLARollup.Retention = .init(), synchronous: Synchronous = .full
    ) throws -> SQLiteStorage {
        let storage = try SQLiteStorage(location: location, observer: observer, slaRetention: slaRetention, synchronous: synchronous)
        try storage.migrate()
        return storage
    }

    /// Applies every pending migration (versioned, in Migrations.swift); those already applied are skipped.
    public func migrate() throws {
        try Migrations.migrator.migrate(writer)
    }

    /// Connections the database can hand out at once: the writer plus the pool's readers (one for in-memory).
    public var maximumConnections: Int {
        writer is DatabasePool ? (writer.configuration.maximumReaderCount + 1) : 1
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction. `operation` names it for metrics (a fixed name per call site).
    func transaction<T: Sendable>(_ operation: StaticString, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await traced(operation) { span in
            let requested = ContinuousClock.now
            return try await self.writer.writeWithoutTransaction { db in
                try self.measured(operation, requested: requested) {
                    try Self.notingStatements(db, on: span) {
                        var result: T?
                        try db.inTransaction(.immediate) {
                            result = try body(db)
                            return .commit
                        }
                        return result!
                    }
                }
            }
        }
    }

    /// Runs `body` on a reader connection.
    func read<T: Sendable>(_ operation: StaticString, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await traced(operation) { span in
            let requested = ContinuousClock.now
            return try await self.writer.read { db in
                try self.measured(operation, requested: requested) { try Self.notingStatements(db, on: span) { try body(db) } }
            }
        }
    }

    /// Runs a point read (one `SELECT` of one row by its key, through a cached statement) on the caller's thread.
    ///
    /// ``read(_:_:)`` hands the work to a reader connection's dispatch queue and resumes the task when it is done: two
    /// thread switches around a read that takes a few microseconds, measured at more than the read itself (#15). Here
    /// GRDB's synchronous read runs the body on the calling thread (a serial queue's `sync` does not switch threads when
    /// it is free), so the caller's cooperative thread is held for the read and nothing else. Safe only for reads that
    /// cannot wait: in WAL mode a reader never waits for the writer, and a pool with every reader busy (five) blocks the
    /// thread until one is back, which is what the async read would have waited for too. Anything that scans belongs
    /// in ``read(_:_:)``.
    ///
    /// `body` must run **one statement**: it runs without GRDB's `BEGIN DEFERRED … COMMIT` around it (two more
    /// statements to parse and run, a tenth of `GET /api/v1/me` in a profile), since SQLite runs a lone statement in
    /// its own read transaction, which sees one consistent snapshot. Two statements would see two snapshots.
    func pointRead<T>(_ operation: StaticString, _ body: (Database) throws -> T) throws -> T {
        try withSpan("\(operation)", ofKind: .client) { span in
            span.attributes["db.system"] = "sqlite"
            span.attributes["db.operation.name"] = "\(operation)"
            let requested = ContinuousClock.now
            return try writer.unsafeRead { db in try measured(operation, requested: requested) { try Self.notingStatements(db, on: span) { try body(db) } } }
        }
    }

    /// A client span per database operation, named by the operation (a fixed name per call site, never SQL text).
    private func traced<T>(_ operation: StaticString, _ body: (any Span) async throws -> T) async throws -> T {
        try await withSpan("\(operation)", ofKind: .client) { span in
            span.attributes["db.system"] = "sqlite"
            span.attributes["db.operation.name"] = "\(operation)"
            return try await body(span)
        }
    }

    /// Runs `body`; when `span` records (a sampled transaction), notes the statements it ran as `db.query.text`: the
    /// SQL with its `?` placeholders (never the values), which Sentry's Queries view groups by. A request that is not
    /// traced pays one check.
    private static func notingStatements<T>(_ db: Database, on span: any Span, _ body: () throws -> T) throws -> T {
        guard span.isRecording else { return try body() }
        let statements = Mutex<[String]>([])
        db.trace(options: .statement) { event in
            if case .statement(let statement) = event { statements.withLock { $0.append(statement.sql) } }
        }
        defer { db.trace(options: [], nil) }
        let result = try body()
        let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        let text = statements.withLock { $0 }
            .filter { statement in !control.contains { statement.hasPrefix($0) } }
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }  // one line, as Sentry shows it
            .joined(separator: "; ")
        if !text.isEmpty { span.attributes["db.query.text"] = text }
        return result
    }

    /// Runs `body` while the connection is held, reporting the wait for it, the time it was held and any failure.
    private func measured<T>(_ operation: StaticString, requested: ContinuousClock.Instant, _ body: () throws -> T) throws -> T {
        guard let observer else { return try body() }
        let acquired = ContinuousClock.now
        observer.connectionAcquired(waitSeconds: (acquired - requested).timeInterval)
        do {
            let result = try body()
            observer.connectionReleased(operation: "\(operation)", heldSeconds: (ContinuousClock.now - acquired).timeInterval, failed: false)
            return result
        } catch {
            // A ServiceError (email taken, balance too low) is a business answer, not a database failure.
            observer.connectionReleased(
                operation: "\(operation)", heldSeconds: (ContinuousClock.now - acquired).timeInterval, failed: !(error is ServiceError)
            )
            throw error
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
