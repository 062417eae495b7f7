import Foundation
import Testing
import TestSupport

/// `GET /sla/status` counts the API's own requests, as clients saw them.
@Suite struct SLAStatusAPITests {
    @Test func theStatusCountsRequestsAndSpendsTheBudgetOnFiveHundreds() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()  // 2 requests: register, log in
            try await client.buyCredits(token)  // 1 request
            let failed = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "sla-1"],
                json: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_provider_error"}"#
            )
            #expect(failed.status.code == 502)
            _ = try await client.send(.get, "/api/v1/me", token: token)
            _ = try await client.send(.get, "/health")  // a probe: not counted
            let status = try await client.send(.get, "/sla/status")
            #expect(status.status == .ok)
            #expect(status["source"] as? String == "local")
            let objectives = try #require(status["objectives"] as? [[String: Any]])
            #expect(objectives.compactMap { $0["name"] as? String } == ["request_availability", "error_rate", "latency"])
            let errorRate = try #require(objectives.first { $0["name"] as? String == "error_rate" })
            let hour = try #require((errorRate["windows"] as? [[String: Any]])?.first)
            #expect(hour["window"] as? String == "1h")
            #expect(hour["total"] as? Int == 5)
            #expect(hour["good"] as? Int == 4)
            #expect(hour["compliant"] as? Bool == false)
            #expect(hour["insufficient_samples"] as? Bool == true)
            #expect(errorRate["state"] as? String == "breached", "1 bad of 5 is 20 %, against 1 % allowed")
            let budget = try #require(errorRate["error_budget"] as? [String: Any])
            #expect(budget["bad_events"] as? Int == 1)
            #expect(abs((budget["consumed_ratio"] as? Double ?? 0) - 20) < 1e-6)
            let latency = try #require(objectives.first { $0["name"] as? String == "latency" })
            #expect(((latency["windows"] as? [[String: Any]])?.first?["total"] as? Int) == 5)
        }
    }
}
