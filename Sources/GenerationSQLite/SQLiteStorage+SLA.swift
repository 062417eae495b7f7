import Foundation
import GRDB
import LookoutSLA
import Synchronization

extension SQLiteStorage: SLAStore {
    /// Adds minute buckets and, in the same transaction, their hours and days (``SLARollup``); once an hour of data
    /// time, drops what ``slaRetention`` no longer keeps.
    public func addSLABuckets(_ buckets: [String: [MinuteBucket]]) async throws {
        let newest = buckets.values.flatMap { $0.map(\.minute) }.max()
        let purge = newest.map { minute in slaPurgeMark.withLock { mark in
            let hour = SLARollup.bucket(minute, .hour)
            defer { mark = max(mark, hour) }
            return hour > mark
        } } ?? false
        let retention = slaRetention
        try await transaction("add_sla_buckets") { db in
            for (objective, list) in buckets {
                for bucket in list {
                    for grain in SLARollup.Grain.allCases {
                        try db.cachedStatement(sql: Self.upsert[grain]!).execute(
                            arguments: [objective, SLARollup.bucket(bucket.minute, grain), bucket.good, bucket.total]
                        )
                    }
                }
            }
            if purge, let newest {
                for grain in SLARollup.Grain.allCases {
                    let (table, column) = Self.table[grain]!
                    try db.execute(sql: "DELETE FROM \(table) WHERE \(column) < ?", arguments: [retention.oldestKept(grain, newest: newest)])
                }
            }
        }
    }

    public func slaBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] {
        try await read("sla_buckets") { db in
            try Row.fetchAll(
                db, sql: "SELECT minute, good, total FROM sla_minutes WHERE objective = ? AND minute >= ? AND minute < ? ORDER BY minute",
                arguments: [objective, minutes.lowerBound, minutes.upperBound]
            ).map { MinuteBucket(minute: $0["minute"], good: $0["good"], total: $0["total"]) }
        }
    }

    /// Per UTC day, from the day buckets.
    public func slaDailyBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] {
        try await read("sla_daily_buckets") { db in
            try Row.fetchAll(
                db, sql: "SELECT day, good, total FROM sla_days WHERE objective = ? AND day >= ? AND day < ? ORDER BY day",
                arguments: [objective, SLARollup.bucket(minutes.lowerBound, .day), SLARollup.bucket(minutes.upperBound + 1439, .day)]
            ).map { MinuteBucket(minute: $0["day"], good: $0["good"], total: $0["total"]) }
        }
    }

    /// Each range from the coarsest buckets inside it (``SLARollup/pieces(of:)``): a few indexed range sums per range
    /// however long it is.
    public func slaSums(objective: String, ranges: [Range<Int64>]) async throws -> [WindowCounts] {
        try await read("sla_sums") { db in
            try ranges.map { range in
                var counts = WindowCounts(good: 0, total: 0)
                for piece in SLARollup.pieces(of: range) {
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: Self.sum[piece.grain]!), arguments: [objective, piece.buckets.lowerBound, piece.buckets.upperBound]
                    )
                    counts.good += row?[0] ?? 0
                    counts.total += row?[1] ?? 0
                }
                return counts
            }
        }
    }

    private static let table: [SLARollup.Grain: (String, String)] = [.minute: ("sla_minutes", "minute"), .hour: ("sla_hours", "hour"), .day: ("sla_days", "day")]

    private static let upsert = table.mapValues { table, column in
        """
        INSERT INTO \(table) (objective, \(column), good, total) VALUES (?, ?, ?, ?)
        ON CONFLICT (objective, \(column)) DO UPDATE SET good = good + excluded.good, total = total + excluded.total
        """
    }

    private static let sum = table.mapValues { table, column in
        "SELECT COALESCE(SUM(good), 0), COALESCE(SUM(total), 0) FROM \(table) WHERE objective = ? AND \(column) >= ? AND \(column) < ?"
    }
}

extension SQLiteStorage: MaintenanceStore {
    public func maintenanceWindows() async throws -> [MaintenanceWindow] {
        try await read("maintenance_windows") { db in
            try Row.fetchAll(db, sql: "SELECT id, starts_at, ends_at, reason FROM sla_maintenance ORDER BY starts_at").map { row in
                MaintenanceWindow(
                    id: row["id"], start: Date(timeIntervalSince1970: row["starts_at"]), end: Date(timeIntervalSince1970: row["ends_at"]),
                    reason: row["reason"], source: .api
                )
            }
        }
    }

    public func addMaintenanceWindow(_ window: MaintenanceWindow, change: MaintenanceChange) async throws {
        try await transaction("add_maintenance_window") { db in
            try db.execute(
                sql: "INSERT INTO sla_maintenance (id, starts_at, ends_at, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [window.id, window.start.timeIntervalSince1970, window.end.timeIntervalSince1970, window.reason, change.at.timeIntervalSince1970]
            )
            try Self.audit(db, .added, window, change)
        }
    }

    public func removeMaintenanceWindow(id: String, change: MaintenanceChange) async throws -> Bool {
        try await transaction("remove_maintenance_window") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, starts_at, ends_at, reason FROM sla_maintenance WHERE id = ?", arguments: [id]) else {
                return false
            }
            try db.execute(sql: "DELETE FROM sla_maintenance WHERE id = ?", arguments: [id])
            let window = MaintenanceWindow(
                id: row["id"], start: Date(timeIntervalSince1970: row["starts_at"]), end: Date(timeIntervalSince1970: row["ends_at"]),
                reason: row["reason"], source: .api
            )
            try Self.audit(db, .removed, window, change)
            return true
        }
    }

    public func maintenanceAudit(limit: Int) async throws -> [MaintenanceAuditEntry] {
        try await read("maintenance_audit") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sla_maintenance_audit ORDER BY seq DESC LIMIT ?", arguments: [limit]).map { row in
                MaintenanceAuditEntry(
                    at: Date(timeIntervalSince1970: row["at"]), action: MaintenanceAuditEntry.Action(rawValue: row["action"]) ?? .added,
                    window: MaintenanceWindow(
                        id: row["window_id"], start: Date(timeIntervalSince1970: row["starts_at"]), end: Date(timeIntervalSince1970: row["ends_at"]),
                        reason: row["reason"], source: .api
                    ),
                    actor: row["actor"]
                )
            }
        }
    }

    private static func audit(_ db: Database, _ action: MaintenanceAuditEntry.Action, _ window: MaintenanceWindow, _ change: MaintenanceChange) throws {
        try db.execute(
            sql: "INSERT INTO sla_maintenance_audit (at, action, window_id, starts_at, ends_at, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                change.at.timeIntervalSince1970, action.rawValue, window.id, window.start.timeIntervalSince1970, window.end.timeIntervalSince1970,
                window.reason, change.actor,
            ]
        )
    }
}
