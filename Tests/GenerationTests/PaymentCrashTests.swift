import Foundation
import GenerationCore
import GenerationSQLite
import Testing
import TestSupport

/// `backend` SIGKILLed with payments at every step, then restarted: no charge is lost and none is counted twice.
///
/// The sandbox keeps its charges in a ledger file (`LOOKOUT_PAYMENT_SANDBOX_LEDGER`), as a real provider keeps them
/// whatever happens to us, so the restarted process can ask it what became of each payment. At the moment of the kill:
/// - `settled`: charged and recorded (approved, credits added) before the kill;
/// - `charged`: the provider charged the card, the answer never came back (`tok_timeout_charged`): pending, charged;
/// - `uncharged`: the request was at the provider, which had not charged (`tok_timeout`): pending, not charged.
/// A kill before the payment is stored leaves nothing to recover: the client's retry with its key starts afresh.
/// The provider timeout is long (30 s) so that the kill always finds the two open payments `pending`, however slow the
/// machine; the reconciler takes them once they are older than the grace (31 s).
@Suite(.integration("the built backend")) struct PaymentCrashTests {
    @Test func aKillAtEachStepOfAPaymentNeitherLosesNorDoublesMoney() async throws {
        let directory = try ServiceProcess.temporaryDirectory("payment-crash")
        let ledger = directory.appendingPathComponent("sandbox-ledger.jsonl")
        let environment = ServiceProcess.environment(directory: directory, [
            "LOOKOUT_PAYMENT_SANDBOX_LEDGER": ledger.path, "LOOKOUT_PAYMENT_TIMEOUT_SECONDS": "30",
            "LOOKOUT_PAYMENT_PENDING_GRACE_SECONDS": "31", "LOOKOUT_PAYMENT_RECONCILE_SECONDS": "0.5",
        ])
        let storage = try SQLiteStorage(location: .file(path: "\(directory.path)/lookout.sqlite"))

        let first = try ServiceProcess("backend", environment: environment)
        let base = "http://127.0.0.1:\(try await first.waitForPort())"
        #expect(try await call(.POST, "\(base)/api/v1/users", body: #"{"email":"kill@example.com","password":"correct horse"}"#).status == 202)
        let token = try #require(
            try await call(.POST, "\(base)/api/v1/sessions", body: #"{"email":"kill@example.com","password":"correct horse"}"#).json["token"] as? String
        )
        @Sendable func pay(_ base: String, _ key: String, _ card: String) async throws -> Reply {
            try await call(
                .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", key)],
                body: #"{"amount_minor":500,"currency":"EUR","card_token":"\#(card)"}"#
            )
        }
        #expect(try await pay(base, "settled", "tok_visa").status == 201)
        let userID = try #require(try await call(.GET, "\(base)/api/v1/me", token: token).json["id"] as? String)
        // The two open ones hang at the provider; their clients lose the connection with the process.
        let hanging = [Task { _ = try? await pay(base, "charged", "tok_timeout_charged") }, Task { _ = try? await pay(base, "uncharged", "tok_timeout") }]
        #expect(try await eventually {
            let open = try await storage.openPayments(pendingBefore: .distantFuture, limit: 10)
            let charged = (try? String(contentsOf: ledger, encoding: .utf8))?.split(separator: "\n").count ?? 0
            return open.count == 2 && open.allSatisfy { $0.status == .pending } && charged == 2
        }, "both payments stored pending, and the provider's ledger shows the settled one and the charged one")
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() == SIGKILL)
        for task in hanging { _ = await task.value }
        #expect(try await storage.user(id: userID)?.credits == 500, "only the settled payment's credits so far")

        // Restarted: the reconciler asks the provider about both open payments once they are past the grace.
        let second = try ServiceProcess("backend", environment: environment)
        let restarted = "http://127.0.0.1:\(try await second.waitForPort())"
        #expect(try await eventually(timeout: .seconds(90)) { try await storage.openPayments(pendingBefore: .distantFuture, limit: 10).isEmpty })

        // The clients retry with their keys, as told to, and read the outcome.
        let settled = try await pay(restarted, "settled", "tok_visa")
        let charged = try await pay(restarted, "charged", "tok_timeout_charged")
        let uncharged = try await pay(restarted, "uncharged", "tok_timeout")
        #expect(settled.status == 200 && settled.json["status"] as? String == "approved")
        #expect(charged.status == 200 && charged.json["status"] as? String == "approved", "charged before the kill: the credits are added")
        #expect(uncharged.status == 502, "never charged: failed, nothing added")
        #expect((uncharged.json["detail"] as? String)?.contains("no record of this charge") == true, "\(uncharged.text)")
        let me = try await call(.GET, "\(restarted)/api/v1/me", token: token)
        #expect(me.json["credits"] as? Int == 1000, "500 credits for each charge, once")
        let lines = try String(contentsOf: ledger, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "the provider charged twice, never a third time: \(lines)")
        #expect(try await storage.creditLedger(userID: userID).map(\.reason) == [.purchase, .purchase])
        #expect(try await storage.creditLedgerMismatches().isEmpty, "the balance is the sum of its ledger entries")

        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
