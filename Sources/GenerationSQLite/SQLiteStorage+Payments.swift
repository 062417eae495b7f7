import Foundation
import GenerationCore
import GRDB

extension SQLiteStorage: PaymentStore {
    public func beginPayment(_ payment: Payment) async throws -> PaymentBeginning {
        try await transaction("begin_payment") { db in
            try db.execute(
                sql: """
                    INSERT INTO payments (id, user_id, idempotency_key, request_fingerprint, amount_minor, currency, credits,
                                          status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                    ON CONFLICT (user_id, idempotency_key) DO NOTHING
                    """,
                arguments: [
                    payment.id, payment.userID, payment.idempotencyKey, payment.requestFingerprint, payment.amountMinor,
                    payment.currency.rawValue, payment.credits, payment.createdAt.databaseValue, payment.updatedAt.databaseValue,
                ]
            )
            if db.changesCount == 1 { return .created(payment) }
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM payments WHERE user_id = ? AND idempotency_key = ?",
                    arguments: [payment.userID, payment.idempotencyKey]
                )
            else { throw DatabaseError(message: "payment conflict without a stored payment") }
            let existing = try Self.payment(from: row)
            guard existing.requestFingerprint == payment.requestFingerprint else {
                throw ServiceError(
                    .idempotencyKeyReused, "this Idempotency-Key was already used for a different payment request",
                    details: ["payment_id": .string(existing.id)]
                )
            }
            return .existing(existing)
        }
    }

    public func settlePayment(id: String, _ settlement: PaymentSettlement, now: Date) async throws -> Payment {
        try await transaction("settle_payment") { db in
            let status: PaymentStatus
            var reason: String?
            var reference: String?
            var timedOut = false
            switch settlement {
            case .approved(let providerReference):
                status = .approved
                reference = providerReference
            case .declined(let why):
                status = .declined
                reason = why
            case .failed(let why, let didTimeOut):
                status = .failed
                reason = why
                timedOut = didTimeOut
            case .unknown(let why, let didTimeOut):
                status = .unknown
                reason = why
                timedOut = didTimeOut
            }
            // A final answer closes a pending or unknown payment; "unknown" only replaces "pending". timed_out, once
            // set, stays: it is the payment's history.
            try db.execute(
                sql: """
                    UPDATE payments SET status = ?, failure_reason = ?, provider_reference = ?, timed_out = MAX(timed_out, ?), updated_at = ?
                    WHERE id = ? AND (status = 'pending' OR (status = 'unknown' AND ? <> 'unknown'))
                    """,
                arguments: [status.rawValue, reason, reference, timedOut, now.databaseValue, id, status.rawValue]
            )
            let settledNow = db.changesCount == 1
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ?", arguments: [id]) else {
                throw DatabaseError(message: "payment \(id) vanished")
            }
            let payment = try Self.payment(from: row)
            if settledNow, status == .approved {
                // Credits added exactly once: only the update that moved the payment to approved gets here.
                try db.execute(sql: "UPDATE users SET credits = credits + ? WHERE id = ?", arguments: [payment.credits, payment.userID])
                try SQLiteStorage.appendCredits(db, userID: payment.userID, delta: payment.credits, reason: .purchase, reference: payment.id, now: now)
            }
            return payment
        }
    }

    public func openPayments(pendingBefore: Date, limit: Int) async throws -> [Payment] {
        try await read("open_payments") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM payments WHERE status = 'unknown' OR (status = 'pending' AND created_at < ?)
                    ORDER BY created_at LIMIT ?
                    """,
                arguments: [pendingBefore.databaseValue, limit]
            ).map(Self.payment(from:))
        }
    }

    public func payment(id: String, userID: String) async throws -> Payment? {
        try pointRead("payment") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payments WHERE id = ? AND user_id = ?"), arguments: [id, userID])
                .map(Self.payment(from:))
        }
    }

    public func payment(userID: String, idempotencyKey: String) async throws -> Payment? {
        try await read("payment_by_key") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM payments WHERE user_id = ? AND idempotency_key = ?", arguments: [userID, idempotencyKey]
            ).map(Self.payment(from:))
        }
    }

    static func payment(from row: Row) throws -> Payment {
        guard let currency = Currency(rawValue: row["currency"]), let status = PaymentStatus(rawValue: row["status"]) else {
            throw DatabaseError(message: "payment \(row["id"] as String) has an unknown currency or status")
        }
        return Payment(
            id: row["id"], userID: row["user_id"], idempotencyKey: row["idempotency_key"],
            requestFingerprint: row["request_fingerprint"], amountMinor: row["amount_minor"], currency: currency,
            credits: row["credits"], status: status, failureReason: row["failure_reason"], timedOut: row["timed_out"],
            providerReference: row["provider_reference"], createdAt: row.date("created_at"), updatedAt: row.date("updated_at")
        )
    }
}
