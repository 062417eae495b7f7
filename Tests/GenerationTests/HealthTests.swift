import Foundation
import GenerationCore
import HTTPTypes
import GenerationApp
import HummingbirdTesting
import LookoutProber
import Testing

@Suite struct HealthTests {
    @Test func livenessAnswersWhileTheProcessRuns() async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.get, "/health")
            #expect(reply.status == .ok)
            #expect(reply["status"] as? String == "ok")
        }
    }

    /// Readiness is the API's own: the database and its schema. A worker outage delays jobs but must not take the API
    /// out of a load balancer (or make Swarm restart it): the worker shows in /health/detailed instead.
    @Test func readinessDependsOnTheDatabaseNotOnTheWorker() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let reply = try await client.send(.get, "/health/ready")
            #expect(reply.status == .ok, "no worker has ever reported a heartbeat, and the API is still ready")
            #expect(reply["status"] as? String == "ready")
            let checks = try #require(reply["checks"] as? [String: [String: String]])
            #expect(checks["database"]?["status"] == "up")
            #expect(checks["migrations"]?["status"] == "up")
            #expect(checks["worker"] == nil)

            try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date().addingTimeInterval(-120))
            #expect(try await client.send(.get, "/health/ready").status == .ok, "a stale worker leaves the API ready")
            let detailed = try await client.send(.get, "/health/detailed")
            let dependencies = try #require(detailed["dependencies"] as? [String: [String: Any]])
            #expect(dependencies["worker"]?["status"] as? String == "down", "where the worker's state is reported")
        }
    }

    @Test func theDetailedHealthNamesEachDependencyAndItsState() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let reply = try await client.send(.get, "/health/detailed")
            #expect(reply.status == .ok, "only the database or the queue being down is a 503")
            #expect(reply["status"] as? String == "degraded", "no worker has reported a heartbeat")
            let dependencies = try #require(reply["dependencies"] as? [String: [String: Any]])
            #expect(dependencies["database"]?["status"] as? String == "up")
            #expect((dependencies["database"]?["latency_ms"] as? Double).map { $0 >= 0 } == true)
            #expect(dependencies["queue"]?["status"] as? String == "up")
            #expect(dependencies["queue"]?["queued"] as? Int == 0)
            #expect(dependencies["worker"]?["status"] as? String == "down")
            #expect(dependencies["sentry"]?["status"] as? String == "disabled")
            #expect(dependencies["prober"]?["status"] as? String == "pending", "the prober runs in the backend, not in this router-only harness")

            try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date())
            let healthy = try await client.send(.get, "/health/detailed")
            #expect(healthy["status"] as? String == "ok")
        }
    }

    @Test func aLaggingQueueAndAConfirmedOutageDegradeTheDetailedHealth() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token)
            let submitted = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"a lighthouse","kind":"text"}"#)
            #expect(submitted.status == .accepted)
        }
        try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date().addingTimeInterval(120))
        let check = ProbeCheck.get("health", url: "/health")
        let board = ProbeStatusBoard(checks: [check])
        for _ in 0..<check.failuresToConfirm {
            board.record(ProbeOutcome(check: "health", startedAt: Date().addingTimeInterval(110), duration: 0.01, failure: .connect, detail: "refused", statusCode: 0), of: check)
        }
        // Two minutes from now: the job has waited 120 s (limit 60 s).
        let health = DetailedHealth(storage: harness.storage, transport: nil, prober: board, now: { Date().addingTimeInterval(120) })
        let report = await health.report()
        #expect(report.status == "degraded")
        let queue = try #require(report.dependencies["queue"])
        #expect(queue.status == "degraded")
        #expect(queue.queued == 1)
        #expect((queue.lagSeconds ?? 0) > 100)
        #expect(queue.detail.contains("more than 60.0 s"), "\(queue.detail)")
        let prober = try #require(report.dependencies["prober"])
        #expect(prober.status == "degraded")
        #expect(prober.checksDown == ["health"])
        #expect(report.dependencies["worker"]?.status == "up")

        let later = await DetailedHealth(storage: harness.storage, transport: nil, prober: board, now: { Date().addingTimeInterval(1_000) }).report()
        #expect(later.dependencies["prober"]?.status == "stale", "no run for 15 minutes against a 30 s interval")
        #expect(later.dependencies["worker"]?.status == "down")
    }
}
