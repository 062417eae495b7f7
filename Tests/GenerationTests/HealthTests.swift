import Foundation
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct HealthTests {
    @Test func livenessAnswersWhileTheProcessRuns() async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.get, "/health")
            #expect(reply.status == .ok)
            #expect(reply["status"] as? String == "ok")
        }
    }

    @Test func readinessNeedsAFreshWorkerHeartbeat() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let before = try await client.send(.get, "/health/ready")
            #expect(before.status == .serviceUnavailable)
            #expect(before["status"] as? String == "not_ready")
            let checks = try #require(before["checks"] as? [String: [String: String]])
            #expect(checks["database"]?["status"] == "up")
            #expect(checks["migrations"]?["status"] == "up")
            #expect(checks["worker"]?["status"] == "down")

            try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date())
            let after = try await client.send(.get, "/health/ready")
            #expect(after.status == .ok)
            #expect(after["status"] as? String == "ready")

            try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date().addingTimeInterval(-120))
            #expect(try await client.send(.get, "/health/ready").status == .serviceUnavailable, "a stale heartbeat is not ready")
        }
    }
}
