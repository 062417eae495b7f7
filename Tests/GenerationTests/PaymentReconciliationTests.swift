import Foundation
import GenerationApp
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

/// Money is never lost between the provider and the database (issue #16): a payment whose answer was lost is
/// `unknown`, not `failed`, and the reconciler settles it by asking the provider with the same reference.
@Suite struct PaymentReconciliationTests {
    static let key = HTTPField.Name("Idempotency-Key")!

    static func pay(_ client: any TestClientProtocol, _ token: String, card: String, key: String) async throws -> JSONReply {
        try await client.send(
            .post, "/api/v1/payments", token: token, headers: [Self.key: key],
            json: #"{"amount_minor":500,"currency":"EUR","card_token":"\#(card)"}"#
        )
    }

    @Test func aChargeWhoseAnswerWasLostIsUnknownThenReconciledAsApproved() async throws {
        let harness = try TestHarness(paymentTimeout: .milliseconds(100))
        try await harness.withClient { client in
            let token = try await client.newUser()
            let lost = try await Self.pay(client, token, card: "tok_timeout_charged", key: "lost-answer")
            #expect(lost.status == .gatewayTimeout)
            #expect((lost["detail"] as? String)?.contains("being confirmed") == true)
            let id = try #require(lost["payment_id"] as? String)
            #expect(try await client.send(.get, "/api/v1/payments/\(id)", token: token)["status"] as? String == "unknown")
            #expect(try await client.credits(token) == 0)

            let round = await harness.assembly.makeReconciler().reconcileOnce()
            #expect(round == .init(settled: 1, stillOpen: 0))
            #expect(try await client.send(.get, "/api/v1/payments/\(id)", token: token)["status"] as? String == "approved")
            #expect(try await client.credits(token) == 500, "the charge went through: the credits are added, once")
            let replay = try await Self.pay(client, token, card: "tok_timeout_charged", key: "lost-answer")
            #expect(replay.status == .ok)
            #expect(replay["status"] as? String == "approved")
            #expect(await harness.assembly.makeReconciler().reconcileOnce() == .init(settled: 0, stillOpen: 0))
            #expect(harness.provider.distinctCharges == 1)
        }
    }

    @Test func aTimeoutTheProviderHasNoRecordOfIsReconciledAsFailed() async throws {
        let harness = try TestHarness(paymentTimeout: .milliseconds(100))
        try await harness.withClient { client in
            let token = try await client.newUser()
            let lost = try await Self.pay(client, token, card: "tok_timeout", key: "never-charged")
            #expect(lost.status == .gatewayTimeout)
            #expect(await harness.assembly.makeReconciler().reconcileOnce() == .init(settled: 1, stillOpen: 0))
            let replay = try await Self.pay(client, token, card: "tok_timeout", key: "never-charged")
            #expect(replay.status == .gatewayTimeout)
            #expect((replay["detail"] as? String)?.contains("has no record of the charge") == true)
            #expect(try await client.credits(token) == 0)
        }
    }

    /// The request died after the charge and before the settlement (a crash, a SIGKILL): the payment stays pending
    /// with a charge behind it. Once it is older than any live request, the reconciler settles it; a younger one is a
    /// request still in flight and is left alone.
    @Test func aPaymentAbandonedPendingIsSettledFromTheProvidersRecord() async throws {
        let harness = try TestHarness()
        let token = try await harness.withClient { client in try await client.newUser("crash@example.com") }
        let user = try #require(try await harness.storage.credentials(email: "crash@example.com")?.user)
        // One instant for the payments' ages and the reconciler's "now": the verdict does not depend on how long the
        // test takes between the two.
        let now = Date()
        func pending(_ id: String, age: TimeInterval) async throws -> Payment {
            let created = now.addingTimeInterval(-age)
            let payment = Payment(
                id: id, userID: user.id, idempotencyKey: id, requestFingerprint: "f", amountMinor: 700, currency: .eur, credits: 700,
                status: .pending, createdAt: created, updatedAt: created
            )
            guard case .created(let stored) = try await harness.storage.beginPayment(payment) else { throw CancellationError() }
            _ = try await harness.provider.charge(ChargeRequest(reference: id, amountMinor: 700, currency: .eur, cardToken: "tok_visa"))
            return stored
        }
        _ = try await pending("pay_abandoned", age: 120)
        _ = try await pending("pay_in_flight", age: 1)

        let reconciler = PaymentReconciler(
            payments: harness.assembly.payments, store: harness.storage, configuration: harness.assembly.configuration.reconciler,
            clock: ContinuousClock(), now: { now }, logger: Logger(label: "test")
        )
        #expect(await reconciler.reconcileOnce() == .init(settled: 1, stillOpen: 0))
        #expect(try await harness.storage.payment(id: "pay_abandoned", userID: user.id)?.status == .approved)
        #expect(try await harness.storage.payment(id: "pay_in_flight", userID: user.id)?.status == .pending)
        let credits = try await harness.withClient { client in try await client.credits(token) }
        #expect(credits == 700)
    }

    @Test func concurrentSettlementsOfOnePaymentAddTheCreditsOnce() async throws {
        let harness = try TestHarness(paymentTimeout: .milliseconds(100))
        try await harness.withClient { client in
            let token = try await client.newUser("race@example.com")
            let lost = try await Self.pay(client, token, card: "tok_timeout_charged", key: "race")
            let id = try #require(lost["payment_id"] as? String)
            let userID = try #require(try await harness.storage.credentials(email: "race@example.com")?.user.id)
            let payment = try #require(try await harness.storage.payment(id: id, userID: userID))
            #expect(payment.status == .unknown)
            async let first = harness.assembly.payments.reconcile(payment)
            async let second = harness.assembly.payments.reconcile(payment)
            let results = try await [first, second]
            #expect(results.allSatisfy { $0.status == .approved })
            #expect(try await client.credits(token) == 500)
        }
    }

    /// With a ledger file the sandbox remembers its charges across restarts, as a real provider does: what the
    /// reconciler of a restarted process needs to ask it about.
    @Test func theSandboxLedgerKeepsChargesAcrossRestartsAndRefusesAForeignFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.jsonl").path
        let before = try SandboxPaymentProvider(ledgerPath: path)
        let charge = { (reference: String, card: String) in ChargeRequest(reference: reference, amountMinor: 500, currency: .eur, cardToken: card) }
        #expect(try await before.charge(charge("pay_1", "tok_visa")) == .approved(providerReference: "sandbox_ch_pay_1"))
        #expect(try await before.charge(charge("pay_2", "tok_declined")) == .declined(reason: "card declined"))

        let after = try SandboxPaymentProvider(ledgerPath: path)
        #expect(after.distinctCharges == 2)
        #expect(try await after.lookup(reference: "pay_1") == .approved(providerReference: "sandbox_ch_pay_1"))
        #expect(try await after.lookup(reference: "pay_2") == .declined(reason: "card declined"))
        #expect(try await after.lookup(reference: "pay_3") == .notFound)
        #expect(try await after.charge(charge("pay_1", "tok_visa")) == .approved(providerReference: "sandbox_ch_pay_1"), "idempotent by reference")
        #expect(after.distinctCharges == 2)

        let foreign = directory.appendingPathComponent("notes.txt").path
        try "shopping list\n".write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect {
            try AppConfiguration(environment: ["LOOKOUT_PAYMENT_SANDBOX_LEDGER": foreign]).makePaymentProvider()
        } throws: { error in
            let message = String(describing: error)
            return message.contains("LOOKOUT_PAYMENT_SANDBOX_LEDGER") && message.contains("line 1 is not a sandbox charge")
        }
    }
}
