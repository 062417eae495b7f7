import Foundation
import GenerationCore
@testable import GenerationSQLite
import GRDB
import Testing

/// Every change of a balance is an entry of the append-only credit ledger (issue #16): the balance is the sum of the
/// entries, each purchase, charge and refund is there once, and the entries cannot be changed or removed.
@Suite struct CreditLedgerTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    static func buy(_ storage: SQLiteStorage, _ userID: String, id: String, credits: Int64, approved: Bool = true) async throws {
        let payment = Payment(
            id: id, userID: userID, idempotencyKey: id, requestFingerprint: "f", amountMinor: credits, currency: .eur, credits: credits,
            status: .pending, createdAt: at, updatedAt: at
        )
        _ = try await storage.beginPayment(payment)
        let settlement: PaymentSettlement = approved ? .approved(providerReference: "ch_\(id)") : .declined(reason: "card declined")
        _ = try await storage.settlePayment(id: id, settlement, now: at)
    }

    static func submit(_ storage: SQLiteStorage, _ userID: String, id: String, cost: Int64) async throws {
        let generation = Generation(id: id, userID: userID, kind: .text, prompt: "p", status: .queued, creditCost: cost, createdAt: at, updatedAt: at)
        _ = try await storage.submitGeneration(generation, maxAttempts: 1, traceHeaders: [:], now: at)
    }

    @Test func purchasesChargesAndRefundsAreEntriesThatSumToTheBalance() async throws {
        let storage = try SQLiteStorage.migrated(location: .inMemory)
        _ = try await storage.createUser(id: "usr_l", email: "l@example.com", passwordHash: "x", now: Self.at)
        try await Self.buy(storage, "usr_l", id: "pay_1", credits: 500)
        try await Self.buy(storage, "usr_l", id: "pay_2", credits: 300, approved: false)
        // Settling an approved payment again (a racing reconciler) adds nothing, and writes nothing.
        _ = try await storage.settlePayment(id: "pay_1", .approved(providerReference: "ch_pay_1"), now: Self.at)
        try await Self.submit(storage, "usr_l", id: "gen_ok", cost: 2)
        try await Self.submit(storage, "usr_l", id: "gen_dead", cost: 10)
        for _ in 0..<2 {
            let job = try #require(try await storage.claimNextJob(workerID: "w", leaseDuration: 30, now: Self.at))
            if job.generationID == "gen_ok" {
                _ = try await storage.completeJob(job, result: GenerationResult(contentType: "text/plain", content: "ok"), now: Self.at)
            } else {
                #expect(try await storage.failJob(job, reason: "broken", retryAt: nil, now: Self.at) == .deadLettered)
            }
        }
        // Not enough credits: refused, and no entry.
        await #expect(throws: ServiceError.self) { try await Self.submit(storage, "usr_l", id: "gen_too_big", cost: 10_000) }

        let entries = try await storage.creditLedger(userID: "usr_l")
        #expect(entries.map { "\($0.reason.rawValue) \($0.reference) \($0.delta)" } == [
            "purchase pay_1 500", "generation gen_ok -2", "generation gen_dead -10", "refund gen_dead 10",
        ])
        #expect(try await storage.user(id: "usr_l")?.credits == 498)
        #expect(entries.map(\.delta).reduce(0, +) == 498)
        #expect(try await storage.creditLedgerMismatches().isEmpty)
    }

    @Test func entriesCannotBeChangedOrRemoved() async throws {
        let storage = try SQLiteStorage.migrated(location: .inMemory)
        _ = try await storage.createUser(id: "usr_a", email: "a@example.com", passwordHash: "x", now: Self.at)
        try await Self.buy(storage, "usr_a", id: "pay_a", credits: 100)
        for statement in ["UPDATE credit_ledger SET delta = 100000", "DELETE FROM credit_ledger"] {
            await #expect {
                try await storage.transaction("tamper") { db in try db.execute(sql: statement) }
            } throws: { error in
                String(describing: error).contains("credit_ledger is append-only")
            }
        }
        // A second purchase entry for the same payment (a bug that would add the credits twice) fails its transaction.
        await #expect(throws: DatabaseError.self) {
            try await storage.transaction("twice") { db in
                try SQLiteStorage.appendCredits(db, userID: "usr_a", delta: 100, reason: .purchase, reference: "pay_a", now: Self.at)
            }
        }
        #expect(try await storage.creditLedger(userID: "usr_a").map(\.delta) == [100])
    }

    /// A database from before the ledger: the migration opens it with each user's balance.
    @Test func existingBalancesOpenTheLedger() async throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue, upTo: "v10_maintenance_audit")
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO users (id, email, password_hash, credits, created_at) VALUES ('usr_old', 'o@example.com', 'x', 740, 0)")
            try db.execute(sql: "INSERT INTO users (id, email, password_hash, credits, created_at) VALUES ('usr_none', 'n@example.com', 'x', 0, 0)")
        }
        try Migrations.migrator.migrate(queue)
        let rows = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT user_id, delta, reason FROM credit_ledger").map { "\($0["user_id"] as String) \($0["delta"] as Int64) \($0["reason"] as String)" }
        }
        #expect(rows == ["usr_old 740 opening_balance"])
    }
}
