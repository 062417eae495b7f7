import Foundation
import LookoutSLA
import Testing
import TestSupport

/// `GET /sla/status` counts the API's own requests, as clients saw them.
@Suite struct SLAStatusAPITests {
    /// The reports and the status page are computed at most every `LOOKOUT_STATUS_CACHE_SECONDS` (5 by default;
    /// 300 here, so that a slow machine cannot see a second computation) and validated by `ETag`: a refresh storm
    /// during an incident costs one computation per period.
    @Test func reportsAndTheStatusPageAreServedFromMemoryWithAnETag() async throws {
        try await TestHarness { $0.statusCacheMaxAge = .seconds(300) }.withClient { client in
            for path in ["/sla/status", "/sla/report?month=2026-11", "/sla/report?month=2026-11&format=csv", "/status"] {
                let first = try await client.send(.get, path)
                #expect(first.status == .ok, "\(path)")
                #expect(first.headers[.cacheControl] == "public, max-age=300", "\(path)")
                let etag = try #require(first.headers[.eTag], "\(path)")
                let again = try await client.send(.get, path)
                #expect(again.headers[.eTag] == etag, "\(path): the same body, not computed again")
                let revalidated = try await client.send(.get, path, headers: [.ifNoneMatch: etag])
                #expect(revalidated.status == .notModified, "\(path)")
                #expect(revalidated.body.readableBytes == 0)
            }
        }
    }

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
            #expect(objectives.compactMap { $0["name"] as? String } == ["availability", "request_availability", "error_rate", "latency"])
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

    @Test func theMonthlyReportComesAsJSONAndCSVAndRefusesABadMonth() async throws {
        let harness = try TestHarness()
        // A past month, written straight to the store: 1 000 requests of which 2 failed and 60 were slow.
        let march = Int64(1_772_323_200 / 60)  // 2026-03-01 00:00 UTC
        try await harness.storage.addSLABuckets([
            "error_rate": [MinuteBucket(minute: march + 10, good: 998, total: 1_000)],
            "latency": [MinuteBucket(minute: march + 10, good: 940, total: 1_000)],
            "request_availability": [MinuteBucket(minute: march - 1, good: 0, total: 5), MinuteBucket(minute: march + 10, good: 998, total: 1_000)],
        ])
        try await harness.withClient { client in
            let report = try await client.send(.get, "/sla/report?month=2026-03")
            #expect(report.status == .ok)
            #expect(report["month"] as? String == "2026-03")
            let lines = try #require(report["objectives"] as? [[String: Any]])
            let byName = Dictionary(uniqueKeysWithValues: lines.map { ($0["name"] as? String ?? "", $0) })
            #expect(byName["error_rate"]?["total"] as? Int == 1_000)
            #expect(byName["error_rate"]?["compliant"] as? Bool == true, "99.8 % against 99 %")
            #expect(byName["request_availability"]?["total"] as? Int == 1_000, "February's last minute is not in March")
            #expect(byName["latency"]?["compliant"] as? Bool == false, "94 % within 1 s against 95 %")
            #expect(abs((byName["latency"]?["budget_consumed_ratio"] as? Double ?? 0) - 1.2) < 1e-6)

            let csv = try await client.send(.get, "/sla/report?month=2026-03&format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = csv.text.split(separator: "\r\n").map(String.init)
            #expect(rows.first == "month,objective,target,good,total,value,compliant,insufficient_samples,excluded_minutes,budget_consumed_ratio")
            #expect(rows.contains { $0.hasPrefix("2026-03,error_rate,0.99,998,1000,0.998,true,false,0,") })
            #expect(rows.count == 5, "a header and one line per objective")

            for bad in ["2026-13", "March", "2026-3"] {
                let refused = try await client.send(.get, "/sla/report?month=\(bad)")
                #expect(refused.status == .badRequest)
                #expect((refused["detail"] as? String)?.contains("YYYY-MM") == true)
            }
            #expect(try await client.send(.get, "/sla/report?format=xml").status == .badRequest)
        }
    }
}
