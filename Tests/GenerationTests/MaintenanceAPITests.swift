import Foundation
import GenerationApp
import HTTPTypes
import LookoutSLA
import Testing

/// Maintenance windows: declared in the SLO file or through the admin API, stored, listed, and left out of the SLA.
@Suite struct MaintenanceAPITests {
    static let token = "admin-token-0123456789"

    /// `{D}` in a body becomes tomorrow's date (`2026-12-03`): windows are planned ahead of a moving "now", and one more
    /// than a day in the past is refused.
    static func dated(_ body: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return body.replacingOccurrences(of: "{D}", with: formatter.string(from: Date().addingTimeInterval(86_400)))
    }

    func harness(configured: [MaintenanceWindow] = [], token: String? = Self.token) throws -> TestHarness {
        try TestHarness { configuration in
            configuration.adminToken = token
            configuration.slo.maintenance = configured
        }
    }

    @Test func theAdminAPIRefusesWithoutTheTokenOrWhenNoneIsConfigured() async throws {
        let body = Self.dated(#"{"start":"{D}T02:00:00Z","end":"{D}T03:00:00Z","reason":"database upgrade"}"#)
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
                json: Self.dated(#"{"start":"{D}T02:00:00Z","end":"{D}T03:00:00Z","reason":"  database upgrade "}"#)
            )
            #expect(created.status == .created)
            let id = try #require(created["id"] as? String)
            #expect(created["reason"] as? String == "database upgrade")
            #expect(created["source"] as? String == "api")
            #expect(created["start"] as? String == Self.dated("{D}T02:00:00Z"))

            let list = try await client.send(.get, "/sla/maintenance")
            let windows = try #require(list["windows"] as? [[String: Any]])
            #expect(windows.compactMap { $0["id"] as? String } == ["config-1", id], "earliest first, both sources")
            #expect(windows.first?["source"] as? String == "configuration")

            #expect(try await harness.storage.maintenanceWindows().map(\.id) == [id], "the API's windows are in the database")
            #expect(try await client.send(.delete, "/sla/maintenance/config-1", token: Self.token).status == .notFound, "the file's stay")
            #expect(try await client.send(.delete, "/sla/maintenance/\(id)", token: Self.token).status == .noContent)
            #expect(try await client.send(.delete, "/sla/maintenance/\(id)", token: Self.token).status == .notFound)

            // Both changes are kept, newest first, with who made them; the trail is for the admin only.
            #expect(try await client.send(.get, "/sla/maintenance/audit").status == .unauthorized)
            let audit = try await client.send(.get, "/sla/maintenance/audit", token: Self.token)
            let changes = try #require(audit["changes"] as? [[String: Any]])
            #expect(changes.compactMap { $0["action"] as? String } == ["removed", "added"])
            #expect(changes.allSatisfy { ($0["window"] as? [String: Any])?["id"] as? String == id })
            #expect(changes.allSatisfy { ($0["actor"] as? String)?.hasPrefix("admin token") == true })
            #expect((changes.last?["window"] as? [String: Any])?["reason"] as? String == "database upgrade")
        }
    }

    @Test func aWindowStartingMoreThanADayAgoIsRefused() async throws {
        func body(startingHoursAgo hours: Double, reason: String) -> String {
            let formatter = ISO8601DateFormatter()
            let start = Date().addingTimeInterval(-hours * 3600)
            return #"{"start":"\#(formatter.string(from: start))","end":"\#(formatter.string(from: start.addingTimeInterval(3600)))","reason":"\#(reason)"}"#
        }
        let erase = body(startingHoursAgo: 30, reason: "erase an outage")
        let late = body(startingHoursAgo: 3, reason: "declared late")
        let harness = try harness()
        try await harness.withClient { client in
            let refused = try await client.send(.post, "/sla/maintenance", token: Self.token, json: erase)
            #expect(refused.status == .unprocessableContent)
            #expect((refused["detail"] as? String)?.contains("at most 24 hours in the past") == true)
            let accepted = try await client.send(.post, "/sla/maintenance", token: Self.token, json: late)
            #expect(accepted.status == .created)
        }
    }

    @Test(arguments: [
        (#"{"start":"{D}T03:00:00Z","end":"{D}T02:00:00Z","reason":"x"}"#, 422, "end must be after start"),
        (#"{"start":"{D}T00:00:00Z","end":"2099-12-09T00:00:00Z","reason":"x"}"#, 422, "at most 7 days"),
        (#"{"start":"{D}T00:00:00Z","end":"{D}T01:00:00Z","reason":"   "}"#, 422, "reason must be 1-200 characters"),
        (#"{"start":"tomorrow","end":"{D}T01:00:00Z","reason":"x"}"#, 400, "start"),
        (#"{"start":"{D}T00:00:00Z","reason":"x"}"#, 400, "missing field `end`"),
    ])
    func aBadWindowIsRefusedWithTheReason(body: String, status: Int, detail: String) async throws {
        try await harness().withClient { client in
            let reply = try await client.send(.post, "/sla/maintenance", token: Self.token, json: Self.dated(body))
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
