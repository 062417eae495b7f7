import Foundation
import GenerationCore
import GRDB

extension SQLiteStorage: GenerationStore {
    public func submitGeneration(
        _ generation: Generation, maxAttempts: Int, traceHeaders: [String: String], idempotency: GenerationIdempotency?, now: Date
    ) async throws -> (generation: Generation, created: Bool) {
        let headers = String(decoding: try JSONEncoder().encode(traceHeaders), as: UTF8.self)
        return try await transaction("submit_generation") { db in
            if let idempotency,
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM generations WHERE user_id = ? AND idempotency_key = ?", arguments: [generation.userID, idempotency.key]
                )
            {
                guard row["request_fingerprint"] as String? == idempotency.fingerprint else {
                    throw ServiceError(
                        .idempotencyKeyReused, "this Idempotency-Key was used for a different generation request; use a new key",
                        details: ["generation_id": .string(row["id"])]
                    )
                }
                return (try Self.generation(from: row), false)
            }
            // The busiest write of the API: its statements are prepared once per connection.
            try db.cachedStatement(sql: "UPDATE users SET credits = credits - ? WHERE id = ? AND credits >= ?").execute(
                arguments: [generation.creditCost, generation.userID, generation.creditCost]
            )
            guard db.changesCount == 1 else {
                let balance = try Int64.fetchOne(db, sql: "SELECT credits FROM users WHERE id = ?", arguments: [generation.userID]) ?? 0
                throw ServiceError(
                    .insufficientCredits,
                    "a \(generation.kind.rawValue) generation costs \(generation.creditCost) credits and the balance is \(balance); buy credits with POST /api/v1/payments",
                    details: ["balance": .int(balance), "cost": .int(generation.creditCost)]
                )
            }
            try SQLiteStorage.appendCredits(db, userID: generation.userID, delta: -generation.creditCost, reason: .generation, reference: generation.id, now: now)
            try db.cachedStatement(
                sql: """
                    INSERT INTO generations (id, user_id, kind, prompt, status, credit_cost, attempts, created_at, updated_at,
                                             idempotency_key, request_fingerprint)
                    VALUES (?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    generation.id, generation.userID, generation.kind.rawValue, generation.prompt, generation.creditCost,
                    now.databaseValue, now.databaseValue, idempotency?.key, idempotency?.fingerprint,
                ]
            )
            var stored = generation
            stored.sequence = db.lastInsertedRowID
            try db.cachedStatement(
                sql: """
                    INSERT INTO jobs (generation_id, state, attempts, max_attempts, run_at, trace_headers, enqueued_at, updated_at)
                    VALUES (?, 'queued', 0, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [generation.id, maxAttempts, now.databaseValue, headers, now.databaseValue, now.databaseValue])
            return (stored, true)
        }
    }

    public func generation(id: String, userID: String) async throws -> Generation? {
        // Clients poll their generation: a point read on the caller's thread.
        try pointRead("generation") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM generations WHERE id = ? AND user_id = ?"), arguments: [id, userID])
                .map(Self.generation(from:))
        }
    }

    public func generations(userID: String, status: GenerationStatus?, limit: Int, before cursor: Int64?) async throws -> [Generation] {
        try await read("generations") { db in
            var sql = "SELECT * FROM generations WHERE user_id = ?"
            var arguments: StatementArguments = [userID]
            if let status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            if let cursor {
                sql += " AND seq < ?"
                arguments += [cursor]
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.generation(from:))
        }
    }

    static func generation(from row: Row) throws -> Generation {
        guard let kind = GenerationKind(rawValue: row["kind"]), let status = GenerationStatus(rawValue: row["status"]) else {
            throw DatabaseError(message: "generation \(row["id"] as String) has an unknown kind or status")
        }
        var result: GenerationResult?
        if let contentType: String = row["result_content_type"], let content: String = row["result_content"] {
            result = GenerationResult(contentType: contentType, content: content)
        }
        return Generation(
            id: row["id"], userID: row["user_id"], kind: kind, prompt: row["prompt"], status: status,
            creditCost: row["credit_cost"], result: result, failureReason: row["failure_reason"], attempts: row["attempts"],
            sequence: row["seq"], createdAt: row.date("created_at"), updatedAt: row.date("updated_at"),
            completedAt: row.optionalDate("completed_at")
        )
    }
}
