import Foundation
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct PaymentAPITests {
    static let body = #"{"amount_minor":1250,"currency":"eur","card_token":"tok_visa"}"#

    @Test func approvedPaymentAddsCreditsOnce() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-1"], json: Self.body)
            #expect(reply.status == .created)
            #expect(reply["status"] as? String == "approved")
            #expect(reply["currency"] as? String == "EUR")
            #expect(reply["credits"] as? Int == 1250)
            let id = try #require(reply["id"] as? String)
            #expect(reply.headers[.location] == "/api/v1/payments/\(id)")
            #expect(try await client.credits(token) == 1250)

            let fetched = try await client.send(.get, "/api/v1/payments/\(id)", token: token)
            #expect(fetched.status == .ok)
            #expect(fetched["id"] as? String == id)
        }
    }

    @Test func replayWithTheSameKeyReturnsTheSamePaymentWithoutChargingAgain() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            let first = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-2"], json: Self.body)
            let second = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-2"], json: Self.body)
            #expect(second.status == .ok)
            #expect(second.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(second["id"] as? String == first["id"] as? String)
            #expect(try await client.credits(token) == 1250)
        }
        #expect(harness.provider.distinctCharges == 1)
    }

    @Test func concurrentRetriesChargeExactlyOnce() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            let ids = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "same-key"], json: Self.body)
                        return (reply.status, reply["id"] as? String)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            #expect(ids.filter { $0.0 == .created }.count == 1, "exactly one request creates the payment")
            #expect(ids.allSatisfy { $0.0 == .created || $0.0 == .ok })
            #expect(Set(ids.compactMap(\.1)).count == 1, "every retry sees the same payment")
            #expect(try await client.credits(token) == 1250)
        }
        #expect(harness.provider.distinctCharges == 1)
    }

    @Test func theSameKeyWithADifferentBodyIsRefused() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-3"], json: Self.body)
            let reply = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-3"],
                json: #"{"amount_minor":9999,"currency":"EUR","card_token":"tok_visa"}"#
            )
            #expect(reply.status == .unprocessableContent)
            #expect(reply["type"] as? String == "/docs#problem-idempotency-key-reused")
            #expect(try await client.credits(token) == 1250)
        }
    }

    @Test func missingIdempotencyKeyIsABadRequest() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(.post, "/api/v1/payments", token: token, json: Self.body)
            #expect(reply.status == .badRequest)
            #expect(reply["type"] as? String == "/docs#problem-idempotency-key-required")
        }
    }

    /// `tok_slow` is a provider that answers late but answers (the drill's slow dependency): approved within the timeout,
    /// a 504 past it.
    @Test func aSlowProviderIsWaitedForUntilTheTimeout() async throws {
        try await TestHarness(paymentTimeout: .seconds(5), slowPayment: .milliseconds(100)).withClient { client in
            let token = try await client.newUser()
            let body = #"{"amount_minor":500,"currency":"USD","card_token":"tok_slow"}"#
            let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "slow"], json: body)
            #expect(reply.status == .created)
            #expect(reply["status"] as? String == "approved")
            #expect(try await client.credits(token) == 454, "5.00 USD at 1.10 USD per 100 credits")
        }
        try await TestHarness(paymentTimeout: .milliseconds(100), slowPayment: .seconds(60)).withClient { client in
            let token = try await client.newUser()
            let body = #"{"amount_minor":500,"currency":"USD","card_token":"tok_slow"}"#
            let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "late"], json: body)
            #expect(reply.status.code == 504)
            #expect(try await client.credits(token) == 0)
        }
    }

    @Test(arguments: [
        ("tok_declined", 402, "payment-declined", "declined"),
        ("tok_insufficient_funds", 402, "payment-declined", "declined"),
        ("tok_provider_error", 502, "payment-provider-error", "failed"),
        ("tok_timeout", 504, "payment-provider-timeout", "unknown"),
    ])
    func unsuccessfulPaymentsAreStoredAndAddNoCredits(card: String, status: Int, problem: String, stored: String) async throws {
        try await TestHarness(paymentTimeout: .milliseconds(200)).withClient { client in
            let token = try await client.newUser()
            let body = #"{"amount_minor":500,"currency":"USD","card_token":"\#(card)"}"#
            let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-\(card)"], json: body)
            #expect(reply.status.code == status)
            #expect(reply["type"] as? String == "/docs#problem-\(problem)")
            let id = try #require(reply["payment_id"] as? String)
            let payment = try await client.send(.get, "/api/v1/payments/\(id)", token: token)
            #expect(payment["status"] as? String == stored)
            #expect(payment["failure_reason"] as? String != nil)
            #expect(try await client.credits(token) == 0)
            // A retry answers the same way and charges nothing.
            let retry = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "k-\(card)"], json: body)
            #expect(retry.status.code == status)
            #expect(retry["payment_id"] as? String == id)
        }
    }

    @Test(arguments: [
        (#"{"amount_minor":500,"currency":"XYZ","card_token":"tok_visa"}"#, "currency must be one of"),
        (#"{"amount_minor":0,"currency":"EUR","card_token":"tok_visa"}"#, "amount_minor must be between"),
        (#"{"amount_minor":99999999,"currency":"EUR","card_token":"tok_visa"}"#, "amount_minor must be between"),
        (#"{"amount_minor":500,"currency":"EUR","card_token":""}"#, "card_token must be"),
    ])
    func invalidPaymentRequestsAreRejected(body: String, reason: String) async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: UUID().uuidString], json: body)
            #expect(reply.status == .unprocessableContent)
            #expect((reply["detail"] as? String)?.contains(reason) == true, "\(reply.text)")
        }
    }

    /// Credits are worth the same in every currency (issue #16: ¥100 used to buy as much as $100).
    @Test(arguments: Currency.allCases)
    func eachCurrencyPaysItsOwnPriceForAHundredCredits(currency: Currency) async throws {
        let price = try #require(CreditPrices.defaults.minorUnitsPerHundredCredits[currency])
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "price-\(currency.rawValue)"],
                json: #"{"amount_minor":\#(price),"currency":"\#(currency.rawValue)","card_token":"tok_visa"}"#
            )
            #expect(reply.status == .created, "\(reply.text)")
            #expect(reply["credits"] as? Int == 100)
            #expect(try await client.credits(token) == 100)
        }
    }

    @Test func aHundredYenBuysWhatAboutSixtyEuroCentsBuyAndOneYenBuysNothing() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let yen = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "jpy"],
                json: #"{"amount_minor":100,"currency":"JPY","card_token":"tok_visa"}"#
            )
            #expect(yen["credits"] as? Int == 60, "100 × 100 / 165, rounded down")
            let tooSmall = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "jpy-1"],
                json: #"{"amount_minor":1,"currency":"JPY","card_token":"tok_visa"}"#
            )
            #expect(tooSmall.status == .unprocessableContent)
            #expect(tooSmall["minimum_amount_minor"] as? Int == 2)
            #expect((tooSmall["detail"] as? String)?.contains("buys no credit in JPY") == true)
        }
    }

    @Test func aDeploymentSetsItsOwnPrices() async throws {
        let harness = try TestHarness { $0.payments.prices = CreditPrices.defaults.overridden(by: "USD=200")! }
        try await harness.withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "usd"],
                json: #"{"amount_minor":500,"currency":"USD","card_token":"tok_visa"}"#
            )
            #expect(reply["credits"] as? Int == 250)
        }
        #expect(CreditPrices.defaults.overridden(by: "XYZ=1") == nil)
        #expect(CreditPrices.defaults.overridden(by: "USD=0") == nil)
        #expect(CreditPrices.defaults.overridden(by: "usd = 120, jpy=150")?.minorUnitsPerHundredCredits[.jpy] == 150)
    }

    @Test func usersCannotSeeEachOthersPayments() async throws {
        try await TestHarness().withClient { client in
            let alice = try await client.newUser()
            let bob = try await client.newUser()
            let paid = try await client.send(.post, "/api/v1/payments", token: alice, headers: [.idempotencyKey: "a"], json: Self.body)
            let id = try #require(paid["id"] as? String)
            #expect(try await client.send(.get, "/api/v1/payments/\(id)", token: bob).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/payments/pay_unknown", token: alice).status == .notFound)
        }
    }
}
