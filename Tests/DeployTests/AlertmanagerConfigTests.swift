import Foundation
import Testing
import TestSupport

/// The Alertmanager configuration, checked by `amtool`: it loads (templates included), and every severity and service
/// reaches the receiver the routing promises.
@Suite struct AlertmanagerConfigTests {
    static let root = PrometheusRulesTests.root
    static let config = root.appendingPathComponent("deploy/alertmanager/alertmanager.yml")

    /// The configuration with its template glob pointed at the repository's templates (production mounts them at
    /// /etc/alertmanager/templates), so that amtool parses them too.
    static func localCopy() throws -> URL {
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "/etc/alertmanager/templates/*.tmpl", with: root.appendingPathComponent("deploy/alertmanager/templates").path + "/*.tmpl")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("alertmanager-\(UUID().uuidString).yml")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }

    static func amtool(_ arguments: [String]) async throws -> SubprocessResult {
        try await Subprocess.run(["amtool"] + arguments)
    }

    @Test func theConfigurationAndItsTemplatesAreValid() async throws {
        let copy = try Self.localCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let result = try await Self.amtool(["check-config", copy.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("3 receivers"), "\(result.output)")
        #expect(result.output.contains("2 inhibit rules"), "\(result.output)")
    }

    /// Every alert the rules can raise, with the severity and service it carries (a service templated from the job
    /// stands for every scrape job), reaches the receiver the routing promises: the Watchdog the heartbeat, critical
    /// PagerDuty, warning and info the team's e-mail.
    @Test func everyAlertOfTheRulesReachesItsReceiver() async throws {
        let copy = try Self.localCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        var cases: Set<[String]> = []
        for rule in try PrometheusRulesTests.alertRules() {
            let services = rule.service.contains("{{") ? PrometheusConfigTests.jobs.sorted() : [rule.service]
            for service in services {
                cases.insert(["alertname=\(rule.alert)", "severity=\(rule.severity)", "service=\(service)"])
            }
        }
        #expect(cases.count > 40)
        for labels in cases.sorted(by: { $0.joined() < $1.joined() }) {
            let receiver = labels[0] == "alertname=Watchdog" ? "heartbeat" : labels[1] == "severity=critical" ? "pagerduty" : "team-email"
            let result = try await Self.amtool(["config", "routes", "test", "--config.file=\(copy.path)", "--verify.receivers=\(receiver)"] + labels)
            #expect(result.status == 0, "\(labels) should reach \(receiver): \(result.output)")
        }
    }

    /// An alert without a severity (a rule added in a hurry) still reaches a person.
    @Test func anUnlabelledAlertFallsBackToEmail() async throws {
        let copy = try Self.localCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let result = try await Self.amtool(["config", "routes", "test", "--config.file=\(copy.path)", "--verify.receivers=team-email", "alertname=Unlabelled", "service=lookout-api"])
        #expect(result.status == 0, "\(result.output)")
    }
}
