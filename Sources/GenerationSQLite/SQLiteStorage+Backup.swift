import Foundation
import GRDB

extension SQLiteStorage {
    /// What ``backup(to:)`` wrote.
    public struct Backup: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        /// The last migration the copy holds (`v5_sessions_by_user`): the binary that can open it without upgrading.
        public var schemaVersion: String
    }

    /// Writes a consistent copy of the database to `path` with `VACUUM INTO`, while the service keeps running: the copy
    /// is one read transaction's snapshot (writers go on meanwhile), compacted, and checked with `PRAGMA
    /// integrity_check` before this returns. `path` must not exist.
    ///
    /// Restore: stop the processes, move the copy to the database's path (removing its `-wal` and `-shm` files),
    /// start them. docs/operations.md, "Backups".
    public func backup(to path: String) throws -> Backup {
        guard case .file = location else { throw BackupError("an in-memory database has nothing on disk to back up") }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw BackupError("\(path) exists: a backup never overwrites a file; name a new one")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // On a reader connection, outside GRDB's transaction (VACUUM refuses to run inside one): it reads one snapshot
        // and writers are not held up.
        try writer.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }

        let copy = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let (check, version) = try copy.read { db in
            (
                try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? "none"
            )
        }
        try copy.close()
        guard check == ["ok"] else { throw BackupError("the copy at \(path) failed its integrity check: \(check.joined(separator: "; "))") }
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return Backup(path: path, bytes: bytes, schemaVersion: version)
    }
}

/// Why a backup was not written.
public struct BackupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
