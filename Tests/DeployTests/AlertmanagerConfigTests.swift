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

    /// Critical pages, warning and info go to e-mail, the Watchdog to the heartbeat, for every service.
    @Test(arguments: ["lookout-api", "lookout-worker", "lookout-prober", "monitoring"])
    func everySeverityOfAServiceReachesItsReceiver(service: String) async throws {
        let copy = try Self.localCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let expectations: [([String], String)] = [
            (["severity=critical", "service=\(service)", "alertname=LookoutServiceDown"], "pagerduty"),
            (["severity=warning", "service=\(service)", "alertname=LookoutHighLatency"], "team-email"),
            (["severity=info", "service=\(service)", "alertname=LookoutNoRegistrations"], "team-email"),
            (["severity=info", "service=\(service)", "alertname=Watchdog"], "heartbeat"),
            (["service=\(service)", "alertname=Unlabelled"], "team-email"),
        ]
        for (labels, receiver) in expectations {
            let result = try await Self.amtool(["config", "routes", "test", "--config.file=\(copy.path)", "--verify.receivers=\(receiver)"] + labels)
            #expect(result.status == 0, "\(labels) should reach \(receiver): \(result.output)")
        }
    }
}
