import Foundation
import GenerationCore
import GRDB

extension SQLiteStorage: JobQueue {
    public func claimNextJob(workerID: String, leaseDuration: TimeInterval, now: Date) async throws -> ClaimedJob? {
        try await transaction("claim_next_job") { db in
            while true {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT j.id, j.state, j.attempts, j.max_attempts, j.enqueued_at, j.trace_headers, j.run_at, j.lease_expires_at,
                                   g.id AS generation_id, g.kind, g.prompt
                            FROM jobs j JOIN generations g ON g.id = j.generation_id
                            WHERE (j.state = 'queued' AND j.run_at <= :now)
                               OR (j.state = 'running' AND j.lease_expires_at <= :now)
                            ORDER BY j.run_at, j.id
                            LIMIT 1
                            """,
                        arguments: ["now": now.databaseValue]
                    )
                else { return nil }
                let jobID: Int64 = row["id"]
                let recovered = (row["state"] as String) == "running"
                let attempt = (row["attempts"] as Int) + 1
                let maxAttempts: Int = row["max_attempts"]
                if recovered, attempt > maxAttempts {
                    // Its last permitted attempt died with its worker: dead-letter it rather than exceed the limit.
                    try Self.deadLetter(db, jobID: jobID, generationID: row["generation_id"], reason: "worker lost during the final attempt", now: now)
                    continue
                }
                guard let kind = GenerationKind(rawValue: row["kind"]) else {
                    try Self.deadLetter(db, jobID: jobID, generationID: row["generation_id"], reason: "unknown generation kind", now: now)
                    continue
                }
                let token = Identifier.make(prefix: "lease")
                let expiresAt = now.addingTimeInterval(leaseDuration)
                try db.execute(
                    sql: """
                        UPDATE jobs SET state = 'running', attempts = ?, lease_owner = ?, lease_token = ?, lease_expires_at = ?,
                                        updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [attempt, workerID, token, expiresAt.databaseValue, now.databaseValue, jobID]
                )
                try db.execute(
                    sql: "UPDATE generations SET status = 'running', attempts = ?, updated_at = ? WHERE id = ?",
                    arguments: [attempt, now.databaseValue, row["generation_id"]]
                )
                let headers = (try? JSONDecoder().decode([String: String].self, from: Data((row["trace_headers"] as String).utf8))) ?? [:]
                return ClaimedJob(
                    jobID: jobID, generationID: row["generation_id"], kind: kind, prompt: row["prompt"], attempt: attempt,
                    maxAttempts: maxAttempts, workerID: workerID, leaseToken: token, leaseExpiresAt: expiresAt,
                    enqueuedAt: row.date("enqueued_at"), becameDueAt: recovered ? row.date("lease_expires_at") : row.date("run_at"),
                    recoveredFromExpiredLease: recovered, traceHeaders: headers
                )
            }
        }
    }

    public func extendLease(_ job: ClaimedJob, until: Date, now: Date) async throws -> Bool {
        try await transaction("extend_lease") { db in
            try db.execute(
                sql: "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_token = ?",
                arguments: [until.databaseValue, now.databaseValue, job.jobID, job.leaseToken]
            )
            return db.changesCount == 1
        }
    }

    public func completeJob(_ job: ClaimedJob, result: GenerationResult, now: Date) async throws -> JobCompletion {
        try await transaction("complete_job") { db in
            switch try Self.leaseState(db, job) {
            case .finished: return .alreadyFinished
            case .lost: return .leaseLost
            case .held: break
            }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                                    updated_at = ?, finished_at = ?
                    WHERE id = ?
                    """,
                arguments: [now.databaseValue, now.databaseValue, job.jobID]
            )
            try db.execute(
                sql: """
                    UPDATE generations SET status = 'succeeded', result_content_type = ?, result_content = ?, failure_reason = NULL,
                                           updated_at = ?, completed_at = ?
                    WHERE id = ?
                    """,
                arguments: [result.contentType, result.content, now.databaseValue, now.databaseValue, job.generationID]
            )
            return .completed
        }
    }

    public func failJob(_ job: ClaimedJob, reason: String, retryAt: Date?, now: Date) async throws -> JobFailureOutcome {
        try await transaction("fail_job") { db in
            switch try Self.leaseState(db, job) {
            case .finished, .lost: return .leaseLost
            case .held: break
            }
            guard let retryAt else {
                try Self.deadLetter(db, jobID: job.jobID, generationID: job.generationID, reason: reason, now: now)
                return .deadLettered
            }
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, lease_owner = NULL, lease_token = NULL,
                                    lease_expires_at = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [retryAt.databaseValue, reason, now.databaseValue, job.jobID]
            )
            try db.execute(
                sql: "UPDATE generations SET status = 'queued', updated_at = ? WHERE id = ?",
                arguments: [now.databaseValue, job.generationID]
            )
            return .retryScheduled(at: retryAt)
        }
    }

    public func releaseJob(_ job: ClaimedJob, uncountedReleases: Int, now: Date) async throws -> JobRelease {
        try await transaction("release_job") { db in
            guard case .held = try Self.leaseState(db, job) else { return .leaseLost }
            let releases = try Int.fetchOne(db, sql: "SELECT releases FROM jobs WHERE id = ?", arguments: [job.jobID]) ?? 0
            let counted = releases >= uncountedReleases
            if counted, job.attempt >= job.maxAttempts {
                let reason = "released unfinished at shutdown \(releases + 1) times; the last attempt counted"
                try Self.deadLetter(db, jobID: job.jobID, generationID: job.generationID, reason: reason, now: now)
                return .deadLettered
            }
            let refund = counted ? 0 : 1
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', attempts = attempts - ?, releases = releases + 1, run_at = ?, lease_owner = NULL,
                                    lease_token = NULL, lease_expires_at = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [refund, now.databaseValue, now.databaseValue, job.jobID]
            )
            try db.execute(
                sql: "UPDATE generations SET status = 'queued', attempts = attempts - ?, updated_at = ? WHERE id = ?",
                arguments: [refund, now.databaseValue, job.generationID]
            )
            return counted ? .releasedCounted : .released
        }
    }

    public func recordWorkerHeartbeat(workerID: String, now: Date) async throws {
        try await transaction("record_worker_heartbeat") { db in
            try db.execute(
                sql: """
                    INSERT INTO worker_heartbeats (worker_id, last_seen) VALUES (?, ?)
                    ON CONFLICT (worker_id) DO UPDATE SET last_seen = excluded.last_seen
                    """,
                arguments: [workerID, now.databaseValue]
            )
            // Forget workers silent for a day so the table stays small.
            try db.execute(sql: "DELETE FROM worker_heartbeats WHERE last_seen < ?", arguments: [now.databaseValue - 86_400])
        }
    }

    public func queueSnapshot() async throws -> QueueSnapshot {
        try await read("queue_snapshot") { db in
            var snapshot = QueueSnapshot()
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state") {
                let count: Int = row["n"]
                switch row["state"] as String {
                case "queued": snapshot.queued = count
                case "running": snapshot.running = count
                case "succeeded": snapshot.succeeded = count
                case "dead": snapshot.dead = count
                default: break
                }
            }
            snapshot.oldestQueuedAt = try Double.fetchOne(db, sql: "SELECT MIN(enqueued_at) FROM jobs WHERE state = 'queued'")
                .map(Date.init(timeIntervalSince1970:))
            return snapshot
        }
    }

    private enum LeaseState { case held, lost, finished }

    private static func leaseState(_ db: Database, _ job: ClaimedJob) throws -> LeaseState {
        guard let row = try Row.fetchOne(db, sql: "SELECT state, lease_token FROM jobs WHERE id = ?", arguments: [job.jobID]) else {
            return .lost
        }
        switch row["state"] as String {
        case "succeeded", "dead": return .finished
        case "running" where (row["lease_token"] as String?) == job.leaseToken: return .held
        default: return .lost
        }
    }

    /// Marks the job dead, the generation failed, and refunds the generation's credits.
    private static func deadLetter(_ db: Database, jobID: Int64, generationID: String, reason: String, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE jobs SET state = 'dead', last_error = ?, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                                updated_at = ?, finished_at = ?
                WHERE id = ?
                """,
            arguments: [reason, now.databaseValue, now.databaseValue, jobID]
        )
        try db.execute(
            sql: """
                UPDATE users SET credits = credits + (SELECT credit_cost FROM generations WHERE id = ?)
                WHERE id = (SELECT user_id FROM generations WHERE id = ?)
                """,
            arguments: [generationID, generationID]
        )
        try db.execute(
            sql: """
                INSERT INTO credit_ledger (user_id, delta, reason, reference, at)
                SELECT user_id, credit_cost, 'refund', id, ? FROM generations WHERE id = ?
                """,
            arguments: [now.databaseValue, generationID]
        )
        try db.execute(
            sql: "UPDATE generations SET status = 'failed', failure_reason = ?, updated_at = ?, completed_at = ? WHERE id = ?",
            arguments: [reason, now.databaseValue, now.databaseValue, generationID]
        )
    }
}
