import Foundation
import GenerationApp
import HTTPTypes
import LookoutSLA
import Testing

/// Maintenance windows: declared in the SLO file or through the admin API, stored, listed, and left out of the SLA.
@Suite struct MaintenanceAPITests {
    static let token = "admin-token-0123456789"

    func harness(configured: [MaintenanceWindow] = [], token: String? = Self.token) throws -> TestHarness {
        try TestHarness { configuration in
            configuration.adminToken = token
            configuration.slo.maintenance = configured
        }
    }

    @Test func theAdminAPIRefusesWithoutTheTokenOrWhenNoneIsConfigured() async throws {
        let body = #"{"start":"2026-12-01T02:00:00Z","end":"2026-12-01T03:00:00Z","reason":"database upgrade"}"#
        try await harness().withClient { client in
            let anonymous = try await client.send(.post, "/sla/maintenance", json: body)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous["type"] as? String == "/docs#problem-unauthorized", "the library's HTTPError, rendered as the service's problem")
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect((anonymous["detail"] as? String)?.contains("Authorization: Bearer") == true)
            let wrong = try await client.send(.post, "/sla/maintenance", token: "admin-token-wrong-wrong", json: body)
            #expect(wrong.status == .unauthorized)
            #expect(try await client.send(.delete, "/sla/maintenance/mw_1", token: "nope").status == .unauthorized)
        }
        try await harness(token: nil).withClient { client in
            let off = try await client.send(.post, "/sla/maintenance", token: Self.token, json: body)
            #expect(off.status == .unauthorized)
            #expect((off["detail"] as? String)?.contains("LOOKOUT_ADMIN_TOKEN") == true)
        }
    }

    @Test func aDeclaredWindowIsListedStoredAndRemovable() async throws {
        let configured = MaintenanceWindow(
            id: "config-1", start: Date(timeIntervalSince1970: 1_790_000_000), end: Date(timeIntervalSince1970: 1_790_003_600), reason: "network work"
        )
        let harness = try harness(configured: [configured])
        try await harness.withClient { client in
            let created = try await client.send(
                .post, "/sla/maintenance", token: Self.token,
                json: #"{"start":"2026-12-01T02:00:00Z","end":"2026-12-01T03:00:00Z","reason":"  database upgrade "}"#
            )
            #expect(created.status == .created)
            let id = try #require(created["id"] as? String)
            #expect(created["reason"] as? String == "database upgrade")
            #expect(created["source"] as? String == "api")
            #expect(created["start"] as? String == "2026-12-01T02:00:00Z")

            let list = try await client.send(.get, "/sla/maintenance")
            let windows = try #require(list["windows"] as? [[String: Any]])
            #expect(windows.compactMap { $0["id"] as? String } == ["config-1", id], "earliest first, both sources")
            #expect(windows.first?["source"] as? String == "configuration")

            #expect(try await harness.storage.maintenanceWindows().map(\.id) == [id], "the API's windows are in the database")
            #expect(try await client.send(.delete, "/sla/maintenance/config-1", token: Self.token).status == .notFound, "the file's stay")
            #expect(try await client.send(.delete, "/sla/maintenance/\(id)", token: Self.token).status == .noContent)
            #expect(try await client.send(.delete, "/sla/maintenance/\(id)", token: Self.token).status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"start":"2026-12-01T03:00:00Z","end":"2026-12-01T02:00:00Z","reason":"x"}"#, 422, "end must be after start"),
        (#"{"start":"2026-12-01T00:00:00Z","end":"2026-12-09T00:00:00Z","reason":"x"}"#, 422, "at most 7 days"),
        (#"{"start":"2026-12-01T00:00:00Z","end":"2026-12-01T01:00:00Z","reason":"   "}"#, 422, "reason must be 1-200 characters"),
        (#"{"start":"tomorrow","end":"2026-12-01T01:00:00Z","reason":"x"}"#, 400, "start"),
        (#"{"start":"2026-12-01T00:00:00Z","reason":"x"}"#, 400, "missing field `end`"),
    ])
    func aBadWindowIsRefusedWithTheReason(body: String, status: Int, detail: String) async throws {
        try await harness().withClient { client in
            let reply = try await client.send(.post, "/sla/maintenance", token: Self.token, json: body)
            #expect(Int(reply.status.code) == status)
            #expect((reply["detail"] as? String)?.contains(detail) == true, "\(reply["detail"] ?? "-")")
        }
    }

    @Test func minutesInsideAWindowAreLeftOutOfTheStatusAndReported() async throws {
        let harness = try harness()
        let now = Date()
        let minute = Int64(now.timeIntervalSince1970 / 60)
        // Ten minutes ago: 100 probes failed during an upgrade; the rest of the hour, 1 000 succeeded.
        try await harness.storage.addSLABuckets([
            "availability": [MinuteBucket(minute: minute - 10, good: 0, total: 100), MinuteBucket(minute: minute - 30, good: 1_000, total: 1_000)]
        ])
        try await harness.withClient { client in
            let before = try await client.send(.get, "/sla/status")
            #expect(Self.hour("availability", before)?["good"] as? Int == 1_000)
            #expect(Self.hour("availability", before)?["total"] as? Int == 1_100)

            let start = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(minute - 11) * 60))
            let end = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(minute - 9) * 60))
            let created = try await client.send(.post, "/sla/maintenance", token: Self.token, json: #"{"start":"\#(start)","end":"\#(end)","reason":"upgrade"}"#)
            #expect(created.status == .created)

            let after = try await client.send(.get, "/sla/status")
            let hour = try #require(Self.hour("availability", after))
            #expect(hour["total"] as? Int == 1_000, "the failed minute is inside the window")
            #expect(hour["value"] as? Double == 1)
            #expect(hour["excluded_minutes"] as? Int == 2)
            #expect((after["maintenance"] as? [[String: Any]])?.first?["reason"] as? String == "upgrade")
        }
    }

    static func hour(_ objective: String, _ reply: JSONReply) -> [String: Any]? {
        let objectives = reply["objectives"] as? [[String: Any]]
        return (objectives?.first { $0["name"] as? String == objective }?["windows"] as? [[String: Any]])?.first
    }
}
