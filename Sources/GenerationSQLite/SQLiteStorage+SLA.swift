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
}
