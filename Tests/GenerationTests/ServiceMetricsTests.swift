import Foundation
import GenerationApp
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import LookoutMetrics
import LookoutProber
import ServiceLifecycle
import TestSupport
import LookoutSentry
import Testing

/// Each family driven through the real app (ServiceAssembly's wiring) and read back from a scrape of `/metrics`.
@Suite struct ServiceMetricsTests {
    @Test func businessMetricsFollowWhatUsersDo() async throws {
        let harness = try TestHarness(paymentTimeout: .milliseconds(100))
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.send(.post, "/api/v1/sessions", json: #"{"email":"nobody@example.com","password":"wrong password"}"#)
            try await client.buyCredits(token, amountMinor: 1250)
            try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "d"], json: #"{"amount_minor":300,"currency":"USD","card_token":"tok_declined"}"#)
            try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "t"], json: #"{"amount_minor":300,"currency":"USD","card_token":"tok_timeout"}"#)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"one","kind":"image"}"#)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"two","kind":"text"}"#)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"","kind":"text"}"#)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"x","kind":"video"}"#)

            let scraped = try await harness.scrape(client)
            #expect(scraped.value("lookout_user_registrations_total") == 1)
            #expect(scraped.value("lookout_logins_total", ["outcome": "success"]) == 1)
            #expect(scraped.value("lookout_logins_total", ["outcome": "failure"]) == 1)
            #expect(scraped.value("lookout_payments_total", ["outcome": "approved", "currency": "EUR"]) == 1)
            #expect(scraped.value("lookout_payments_total", ["outcome": "declined", "currency": "USD"]) == 1)
            #expect(scraped.value("lookout_payments_total", ["outcome": "unknown", "currency": "USD"]) == 1, "a timeout is unknown until reconciled")
            #expect(scraped.value("lookout_payment_revenue_minor_units_total", ["currency": "EUR"]) == 1250)
            #expect(scraped.value("lookout_payment_revenue_minor_units_total", ["currency": "USD"]) == nil, "declined money is not revenue")
            #expect(scraped.value("lookout_credits_spent_total") == 12)
            #expect(scraped.value("lookout_generation_requests_total", ["kind": "image", "outcome": "accepted"]) == 1)
            #expect(scraped.value("lookout_generation_requests_total", ["kind": "text", "outcome": "accepted"]) == 1)
            #expect(scraped.value("lookout_generation_requests_total", ["kind": "text", "outcome": "invalid"]) == 1)
            #expect(scraped.value("lookout_generation_requests_total", ["kind": "unknown", "outcome": "invalid"]) == 1)
            #expect(scraped.value("lookout_queue_jobs", ["state": "queued"]) == 2)
            #expect(try #require(scraped.value("lookout_queue_oldest_job_age_seconds")) >= 0)
        }
    }

    @Test func workerAndGenerationMetricsFollowTheJobs() async throws {
        let harness = try TestHarness(maxAttempts: 2)
        let generator = FlakyGenerator(failures: 3)  // first job: fails twice → dead-lettered; second: fails once, then succeeds
        let group = ServiceGroup(services: [harness.worker(generator: generator) { $0.concurrency = 1 }], logger: harness.logger)
        let (token, firstID) = try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 100)
            let first = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"a","kind":"image"}"#)
            return (token, try #require(first["id"] as? String))
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await harness.withClient { client in
                #expect(try await eventually { try await client.send(.get, "/api/v1/generations/\(firstID)", token: token)["status"] as? String == "failed" })
                let second = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"b","kind":"text"}"#)
                let secondID = try #require(second["id"] as? String)
                #expect(try await eventually { try await client.send(.get, "/api/v1/generations/\(secondID)", token: token)["status"] as? String == "succeeded" })
                #expect(try await eventually { (try await harness.scrape(client).value("lookout_worker_heartbeat_timestamp_seconds") ?? 0) > 0 })

                let scraped = try await harness.scrape(client)
                #expect(scraped.value("lookout_jobs_claimed_total") == 4)
                #expect(scraped.value("lookout_jobs_failed_total") == 3)
                #expect(scraped.value("lookout_jobs_retried_total") == 2)
                #expect(scraped.value("lookout_jobs_dead_lettered_total") == 1)
                #expect(scraped.value("lookout_jobs_completed_total") == 1)
                #expect(scraped.value("lookout_job_duration_seconds_count") == 4)
                #expect(scraped.value("lookout_generations_finished_total", ["kind": "image", "outcome": "failed"]) == 1)
                #expect(scraped.value("lookout_generations_finished_total", ["kind": "text", "outcome": "succeeded"]) == 1)
                #expect(scraped.value("lookout_generation_duration_seconds_count", ["kind": "image"]) == 2)
                #expect(scraped.value("lookout_generation_duration_seconds_count", ["kind": "text"]) == 2)
                #expect(scraped.value("lookout_generation_queue_wait_seconds_count") == 4)
                #expect(scraped.value("lookout_generation_active_tasks") == 0)
                #expect(scraped.value("lookout_queue_jobs", ["state": "dead"]) == 1)
                #expect(scraped.value("lookout_queue_jobs", ["state": "succeeded"]) == 1)
                let heartbeat = try #require(scraped.value("lookout_worker_heartbeat_timestamp_seconds"))
                #expect(abs(heartbeat - Date().timeIntervalSince1970) < 60)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aJobRecoveredFromADeadWorkerIsCounted() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 100)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"r","kind":"text"}"#)
        }
        // A worker that claimed the job and died: its lease ends the moment it was taken, so the next worker recovers it.
        _ = try #require(try await harness.storage.claimNextJob(workerID: "killed", leaseDuration: 0, now: Date()))
        let group = ServiceGroup(services: [harness.worker(generator: InstantGenerator())], logger: harness.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await harness.withClient { client in
                let completed = try await eventually { try await harness.scrape(client).value("lookout_jobs_completed_total") == 1 }
                let recovered = try await harness.scrape(client).value("lookout_jobs_recovered_total")
                #expect(completed)
                #expect(recovered == 1)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func databaseMetricsShowThePoolAndEachOperation() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            _ = try await client.newUser()
            // An operation that fails inside the database layer is counted as an error of its operation.
            await #expect(throws: (any Error).self) {
                _ = try await harness.storage.settlePayment(id: "pay_missing", .declined(reason: "x"), now: Date())
            }
            let scraped = try await harness.scrape(client)
            #expect(scraped.value("lookout_db_connections_max") == 1, "an in-memory database has one connection")
            #expect(scraped.value("lookout_db_connections", ["state": "in_use"]) == 0)
            #expect(scraped.value("lookout_db_connections", ["state": "idle"]) == 1)
            #expect(scraped.value("lookout_db_query_duration_seconds_count", ["operation": "create_user"]) == 1)
            #expect(scraped.value("lookout_db_query_duration_seconds_count", ["operation": "create_session"]) == 1)
            #expect(try #require(scraped.value("lookout_db_connection_wait_seconds_count")) >= 3)
            #expect(scraped.value("lookout_db_query_errors_total", ["operation": "settle_payment"]) == 1)
            #expect(scraped.value("lookout_db_query_errors_total", ["operation": "create_user"]) == 0)
            let operations = Set(scraped.series("lookout_db_query_duration_seconds_count").compactMap { $0.labels["operation"] })
            #expect(operations.allSatisfy { $0.range(of: "^[a-z_]+$", options: .regularExpression) != nil }, "\(operations)")
        }
    }

    @Test func cacheMetricsCountHitsMissesAndEntries() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            for _ in 0..<5 { try await client.send(.get, "/api/v1/me", token: token) }
            let scraped = try await harness.scrape(client)
            #expect(scraped.value("lookout_cache_lookups_total", ["cache": "sessions", "result": "miss"]) == 1)
            #expect(scraped.value("lookout_cache_lookups_total", ["cache": "sessions", "result": "hit"]) == 4)
            #expect(scraped.value("lookout_cache_entries", ["cache": "sessions"]) == 1)
            #expect(scraped.value("lookout_cache_evictions_total", ["cache": "sessions", "reason": "capacity"]) == 0)
            // A second scrape adds nothing new: counters are exported as increments.
            let again = try await harness.scrape(client)
            #expect(again.value("lookout_cache_lookups_total", ["cache": "sessions", "result": "hit"]) == 4)
        }
    }

    @Test func theAPIRecordsRouteTemplatesAndSkipsOperationalPaths() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.send(.get, "/api/v1/generations/gen_1", token: token)
            try await client.send(.get, "/api/v1/generations/gen_2", token: token)
            try await client.send(.get, "/health")
            try await client.send(.get, "/docs")
            try await client.send(.delete, "/api/v1/users")
            let scraped = try await harness.scrape(client)
            #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/api/v1/generations/{id}", "status": "404"]) == 2)
            #expect(scraped.value("http_requests_total", ["method": "POST", "route": "/api/v1/users", "status": "202"]) == 1)
            #expect(scraped.value("http_requests_total", ["method": "DELETE", "route": "unmatched", "status": "405"]) == 1)
            let routes = Set(scraped.series("http_requests_total").compactMap { $0.labels["route"] })
            #expect(!routes.contains("/health") && !routes.contains("/docs") && !routes.contains("/metrics"))
        }
    }

    @Test func everyCatalogFamilyIsExposedWithHelpAndType() async throws {
        // Sentry on (its transport is not run: nothing is sent), so that the transport's families are exported too.
        let harness = try TestHarness { $0.sentry.dsn = try? DSN("http://key@127.0.0.1:9/1") }
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token)
            // A labelled family appears with its first series: one counted drop.
            harness.assembly.sentry.client.discards.record(.sampleRate, category: "error")
            // The prober's families, as the prober writes them after an HTTPS run that failed.
            let check = ProbeCheck.get("health", url: "/health")
            let outcome = ProbeOutcome(
                check: "health", startedAt: Date(), duration: 0.1, failure: .status, detail: "", statusCode: 503, phases: [.connect: 0.01],
                certificateExpiry: Date(timeIntervalSinceNow: 86_400)
            )
            let status = ProbeStatusBoard(checks: [check]).record(outcome, of: check).status
            ProbeMetrics(registry: try #require(harness.metrics), checks: [check]).probeFinished(outcome, check: check, status: status)
            let scraped = try await harness.scrape(client)
            for definition in MetricFamilies.all where definition != MetricsCatalog.labelOverflow {
                #expect(scraped.types[definition.name] == definition.kind.rawValue, "\(definition.name) TYPE")
                #expect(scraped.help[definition.name] == definition.help, "\(definition.name) HELP")
            }
            #expect(scraped.familyOrder == scraped.familyOrder.sorted())
        }
    }

    @Test(.integration("promtool"))
    func theExpositionPassesPromtool() async throws {
        let harness = try TestHarness()
        let text = try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token)
            try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"lint","kind":"image"}"#)
            try await client.send(.get, "/nope")
            return try await client.send(.get, "/metrics").text
        }
        let promtool = try await Subprocess.run(["promtool", "check", "metrics"], input: Data(text.utf8))
        let findings = promtool.output
        #expect(promtool.status == 0, "promtool (installed by scripts/test.sh) found: \(findings)")
        #expect(findings.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool findings: \(findings)")
    }
}
