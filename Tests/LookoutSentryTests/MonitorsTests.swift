import Foundation
import Testing
import TestSupport

@testable import LookoutSentry

/// Cron monitors: check-ins for scheduled and periodic work, as Relay reads them.
@Suite struct MonitorsTests {
    static let dsn = try! DSN("http://key@127.0.0.1:9000/1")

    struct ImportFailed: Error {}

    static func client(enabled: Bool = true) -> (SentryClient, CollectingSink) {
        var options = enabled ? SentryOptions(dsn: dsn) : SentryOptions()
        options.release = "lookout@1.2.3"
        options.environment = "staging"
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink), sink)
    }

    static func checkIns(_ sink: CollectingSink) throws -> [[String: Any]] {
        try sink.envelopes.flatMap(\.items).filter { $0.type == "check_in" }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.payload)) as? [String: Any])
        }
    }

    @Test func aMonitoredRunSendsInProgressThenOkWithOneID() async throws {
        let (client, sink) = Self.client()
        let config = MonitorConfig(schedule: .crontab("0 3 * * *"), checkInMargin: 5, maxRuntime: 30, timezone: "Europe/Berlin")
        let result = await client.withMonitor("nightly-backup", config: config) { 42 }
        #expect(result == 42)
        let checkIns = try Self.checkIns(sink)
        #expect(checkIns.map { $0["status"] as? String } == ["in_progress", "ok"])
        #expect(checkIns[0]["check_in_id"] as? String == checkIns[1]["check_in_id"] as? String)
        #expect(checkIns[1]["monitor_slug"] as? String == "nightly-backup")
        #expect(checkIns[1]["duration"] as? Double != nil && checkIns[0]["duration"] == nil)
        #expect(checkIns[1]["release"] as? String == "lookout@1.2.3" && checkIns[1]["environment"] as? String == "staging")
        let sent = try #require(checkIns[1]["monitor_config"] as? [String: Any])
        #expect(sent["schedule"] as? [String: String] == ["type": "crontab", "value": "0 3 * * *"])
        #expect(sent["checkin_margin"] as? Int == 5 && sent["max_runtime"] as? Int == 30 && sent["timezone"] as? String == "Europe/Berlin")
        #expect(sink.envelopes.allSatisfy { $0.items.map(\.category) == ["monitor"] })
    }

    @Test func aRunThatThrowsSendsErrorAndRethrows() async throws {
        let (client, sink) = Self.client()
        await #expect(throws: ImportFailed.self) {
            try await client.withMonitor("import") { throw ImportFailed() }
        }
        #expect(try Self.checkIns(sink).map { $0["status"] as? String } == ["in_progress", "error"])
    }

    @Test func schedulesAndSlugsAsSentryTakesThem() {
        #expect(MonitorSchedule.every(.seconds(30)) == .interval(1, .minute), "a minute is the finest unit")
        #expect(MonitorSchedule.every(.seconds(90)) == .interval(2, .minute))
        #expect(MonitorSchedule.every(.seconds(3600)) == .interval(60, .minute))
        #expect(MonitorSchedule.interval(2, .hour).json == ["type": "interval", "value": 2, "unit": "hour"])
        #expect(MonitorConfig.slug("Probe: Login") == "probe--login")
        #expect(MonitorConfig.slug(String(repeating: "a", count: 80)).count == 50)
    }

    /// Work that runs every ten seconds: each failure at once, success at most once per interval.
    @Test func aPeriodicMonitorReportsEveryFailureAndOneSuccessPerInterval() throws {
        let (client, sink) = Self.client()
        let monitor = PeriodicMonitor(client: client, slug: "sla-flush", every: .seconds(60), failuresToConfirm: 3)
        let start = ContinuousClock.now
        for (second, ok) in [(0, true), (10, true), (20, false), (30, true), (59, true), (60, true), (70, false)] {
            monitor.runFinished(succeeded: ok, duration: .milliseconds(4), now: start + .seconds(second))
        }
        let checkIns = try Self.checkIns(sink)
        #expect(checkIns.map { $0["status"] as? String } == ["ok", "error", "ok", "error"])
        let config = try #require(checkIns[0]["monitor_config"] as? [String: Any])
        #expect((config["schedule"] as? [String: Any])?.mapValues { "\($0)" } == ["type": "interval", "value": "1", "unit": "minute"])
        #expect(config["failure_issue_threshold"] as? Int == 3)

        let (disabled, nothing) = Self.client(enabled: false)
        PeriodicMonitor(client: disabled, slug: "x", every: .seconds(60)).runFinished(succeeded: false, duration: .zero)
        #expect(nothing.envelopes.isEmpty)
    }

    @Test(.integration("sentry-relay in .venv"))
    func checkInsAreWhatRelayReads() async throws {
        let (client, sink) = Self.client()
        await client.withMonitor("probe-login", config: MonitorConfig(schedule: .every(.seconds(30)), checkInMargin: 1, failureIssueThreshold: 3)) {}
        for envelope in sink.envelopes {
            let (report, raw) = try await EnvelopeTests().check(envelope)
            let item = try #require((report["items"] as? [[String: Any]])?.first)
            #expect(item["type"] as? String == "check_in")
            #expect(item["length_ok"] as? Bool == true)
            #expect((item["errors"] as? [Any])?.isEmpty == true, "\(raw)")
        }
    }
}
