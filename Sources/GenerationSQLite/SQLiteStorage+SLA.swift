import Foundation
import GRDB
import LookoutSLA

extension SQLiteStorage: SLAStore {
    public func addSLABuckets(_ buckets: [String: [MinuteBucket]]) async throws {
        try await transaction("add_sla_buckets") { db in
            for (objective, list) in buckets {
                for bucket in list {
                    try db.execute(
                        sql: """
                            INSERT INTO sla_minutes (objective, minute, good, total) VALUES (?, ?, ?, ?)
                            ON CONFLICT (objective, minute) DO UPDATE SET good = good + excluded.good, total = total + excluded.total
                            """,
                        arguments: [objective, bucket.minute, bucket.good, bucket.total]
                    )
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

    public func slaDailyBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] {
        try await read("sla_daily_buckets") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT minute / 1440 AS day, SUM(good) AS good, SUM(total) AS total FROM sla_minutes
                    WHERE objective = ? AND minute >= ? AND minute < ? GROUP BY day ORDER BY day
                    """,
                arguments: [objective, minutes.lowerBound, minutes.upperBound]
            ).map { MinuteBucket(minute: $0["day"], good: $0["good"], total: $0["total"]) }
        }
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

    public func addMaintenanceWindow(_ window: MaintenanceWindow) async throws {
        try await transaction("add_maintenance_window") { db in
            try db.execute(
                sql: "INSERT INTO sla_maintenance (id, starts_at, ends_at, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [window.id, window.start.timeIntervalSince1970, window.end.timeIntervalSince1970, window.reason, Date().timeIntervalSince1970]
            )
        }
    }

    public func removeMaintenanceWindow(id: String) async throws -> Bool {
        try await transaction("remove_maintenance_window") { db in
            try db.execute(sql: "DELETE FROM sla_maintenance WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}
