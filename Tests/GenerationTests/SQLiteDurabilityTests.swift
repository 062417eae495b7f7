import Foundation
import GRDB
import Testing

@testable import GenerationSQLite

/// How the database file is written (issue #16): each commit synced (approved payments survive a power loss), and a
/// backup that is a checked, consistent copy.
@Suite struct SQLiteDurabilityTests {
    static func pragma(_ storage: SQLiteStorage) throws -> Int? {
        try storage.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    @Test func commitsAreSyncedUnlessNormalIsChosen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durability-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // SQLite's values: 1 NORMAL, 2 FULL. GRDB itself sets a WAL database to NORMAL.
        let full = try SQLiteStorage.migrated(location: .file(path: directory.appendingPathComponent("full.sqlite").path))
        #expect(try Self.pragma(full) == 2)
        let normal = try SQLiteStorage(location: .file(path: directory.appendingPathComponent("normal.sqlite").path), synchronous: .normal)
        #expect(try Self.pragma(normal) == 1)
    }

    @Test func aBackupIsACheckedCopyAndNeverOverwrites() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = try SQLiteStorage.migrated(location: .file(path: directory.appendingPathComponent("live.sqlite").path))
        _ = try await storage.createUser(id: "usr_1", email: "a@example.com", passwordHash: "hash", now: Date())

        let path = directory.appendingPathComponent("copies/one.sqlite").path
        let backup = try storage.backup(to: path)
        #expect(backup.bytes > 0)
        #expect(backup.schemaVersion == Migrations.migrator.migrations.last, "the newest migration")
        let copy = try SQLiteStorage(location: .file(path: path))
        #expect(try await copy.user(id: "usr_1")?.email == "a@example.com")
        #expect(throws: BackupError.self) { try storage.backup(to: path) }
        #expect(throws: BackupError.self) { try SQLiteStorage(location: .inMemory).backup(to: directory.appendingPathComponent("m.sqlite").path) }
    }
}
