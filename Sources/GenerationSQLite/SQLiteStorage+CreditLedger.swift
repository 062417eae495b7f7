import Foundation
import GenerationCore
import GRDB

/// The credit ledger (migration v11): every change of `users.credits` appends one entry in the same transaction, so a
/// balance can be explained entry by entry and checked against the sum. Triggers refuse updates and deletes.
extension SQLiteStorage {
    /// Appends an entry; called inside the transaction that changes the balance. One entry per reason and reference.
    static func appendCredits(_ db: Database, userID: String, delta: Int64, reason: CreditEntry.Reason, reference: String, now: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO credit_ledger (user_id, delta, reason, reference, at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [userID, delta, reason.rawValue, reference, now.databaseValue])
    }

    /// A user's entries, oldest first.
    public func creditLedger(userID: String) async throws -> [CreditEntry] {
        try await read("credit_ledger") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM credit_ledger WHERE user_id = ? ORDER BY seq", arguments: [userID]).map { row in
                guard let reason = CreditEntry.Reason(rawValue: row["reason"]) else {
                    throw DatabaseError(message: "credit_ledger entry \(row["seq"] as Int64) has an unknown reason")
                }
                return CreditEntry(
                    seq: row["seq"], userID: row["user_id"], delta: row["delta"], reason: reason, reference: row["reference"],
                    at: Date(timeIntervalSince1970: row["at"])
                )
            }
        }
    }

    /// The users whose balance is not the sum of their ledger entries, with both figures: empty when the books balance.
    public func creditLedgerMismatches() async throws -> [(userID: String, balance: Int64, ledger: Int64)] {
        try await read("credit_ledger_check") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT users.id, users.credits, COALESCE(SUM(credit_ledger.delta), 0) AS total
                    FROM users LEFT JOIN credit_ledger ON credit_ledger.user_id = users.id
                    GROUP BY users.id HAVING users.credits <> total
                    """
            ).map { (userID: $0["id"], balance: $0["credits"], ledger: $0["total"]) }
        }
    }
}
