import Foundation
import GenerationCore
import GRDB

extension SQLiteStorage: RetentionStore {
    /// Rows per transaction: a purge of months of history never holds the writer for more than a few milliseconds at once.
    static let purgeBatch = 500

    public func purge(finishedJobsBefore jobsBefore: Date, artifactsBefore: Date) async throws -> RetentionPurge {
        var purged = RetentionPurge(jobs: 0, artifacts: 0)
        while true {
            let jobs = try await transaction("purge_jobs") { db in
                try db.execute(
                    sql: """
                        DELETE FROM jobs WHERE id IN (
                            SELECT id FROM jobs WHERE state IN ('succeeded', 'dead') AND finished_at < ? LIMIT ?)
                        """,
                    arguments: [jobsBefore.databaseValue, Self.purgeBatch]
                )
                return db.changesCount
            }
            purged.jobs += jobs
            if jobs < Self.purgeBatch { break }
        }
        while true {
            let artifacts = try await transaction("purge_artifacts") { db in
                try db.execute(
                    sql: """
                        UPDATE generations SET result_content = NULL, result_content_type = NULL WHERE seq IN (
                            SELECT seq FROM generations WHERE result_content IS NOT NULL AND completed_at < ? LIMIT ?)
                        """,
                    arguments: [artifactsBefore.databaseValue, Self.purgeBatch]
                )
                return db.changesCount
            }
            purged.artifacts += artifacts
            if artifacts < Self.purgeBatch { break }
        }
        return purged
    }
}
