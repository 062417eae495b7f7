import Foundation
import Testing
import TestSupport
import Yams

/// The monitoring stack's Prometheus rules: each alert's labels, annotations and runbook page, and the promtool unit tests
/// that exercise it. (`promtool check rules` and `promtool test rules` themselves run in
/// `scripts/validate-observability.sh`, which `scripts/test.sh` runs: once, not here again.)
@Suite struct PrometheusRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let rules = root.appendingPathComponent("deploy/prometheus/rules")
    static let tests = root.appendingPathComponent("deploy/prometheus/tests")

    static func files(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yml") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    struct AlertRule {
        var alert: String
        var severity: String
        var service: String
        var annotations: [String: String]
    }

    /// Every alerting rule of every rule file (an alert with a warning and a critical rule appears twice).
    static func alertRules() throws -> [AlertRule] {
        var alerts: [AlertRule] = []
        for file in try files(rules) {
            let document = try #require(try Yams.load(yaml: try String(contentsOfFile: file, encoding: .utf8)) as? [String: Any])
            for group in document["groups"] as? [[String: Any]] ?? [] {
                for rule in group["rules"] as? [[String: Any]] ?? [] {
                    guard let alert = rule["alert"] as? String else { continue }
                    let labels = rule["labels"] as? [String: Any] ?? [:]
                    alerts.append(AlertRule(
                        alert: alert, severity: labels["severity"] as? String ?? "", service: labels["service"] as? String ?? "",
                        annotations: (rule["annotations"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }))
                }
            }
        }
        return alerts
    }

    /// Every alert carries a severity, a service and the four annotations; its runbook page exists; and the unit tests
    /// exercise it.
    @Test func everyAlertIsLabelledDocumentedAndTested() throws {
        // What the promtool unit tests show: each alert with each severity firing, and each alert not firing.
        var fired: Set<String> = [], quiet: Set<String> = []
        for file in try Self.files(Self.tests) {
            let document = try #require(try Yams.load(yaml: try String(contentsOfFile: file, encoding: .utf8)) as? [String: Any])
            for test in document["tests"] as? [[String: Any]] ?? [] {
                for check in test["alert_rule_test"] as? [[String: Any]] ?? [] {
                    let name = check["alertname"] as? String ?? ""
                    let expected = check["exp_alerts"] as? [[String: Any]] ?? []
                    if expected.isEmpty { quiet.insert(name) }
                    for alert in expected {
                        fired.insert("\(name)/\((alert["exp_labels"] as? [String: Any])?["severity"] as? String ?? "")")
                    }
                }
            }
        }
        let alerts = try Self.alertRules()
        for rule in alerts {
            let alert = rule.alert
            #expect(["critical", "warning", "info"].contains(rule.severity), "\(alert) severity")
            #expect(!rule.service.isEmpty, "\(alert) service")
            for name in ["summary", "description", "runbook_url", "dashboard_url"] {
                #expect(rule.annotations[name]?.isEmpty == false, "\(alert) \(name)")
            }
            let runbook = rule.annotations["runbook_url"] ?? ""
            let page = runbook.components(separatedBy: "/blob/main/").last ?? ""
            #expect(runbook.hasSuffix("docs/runbooks/\(alert).md"), "\(alert): one runbook page per alert, named after it")
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(page).path), "\(alert): \(page) exists")
            #expect(fired.contains("\(alert)/\(rule.severity)"), "a promtool unit test sees \(alert) fire as \(rule.severity)")
            if alert != "Watchdog" { #expect(quiet.contains(alert), "a promtool unit test sees \(alert) not fire") }
        }
        #expect(Set(alerts.map(\.alert)).count >= 25)
        // The issue's API alerts, and the names Alertmanager's inhibition rules rely on.
        for name in ["LookoutServiceDown", "LookoutHigh5xxRatio", "LookoutHighLatency", "LookoutTrafficStopped", "Watchdog"] {
            #expect(alerts.contains { $0.alert == name }, "\(name)")
        }
    }

    /// Every page in docs/runbooks belongs to an alert (no orphans left behind by a rename).
    @Test func everyRunbookPageBelongsToAnAlert() throws {
        let names = Set(try Self.alertRules().map(\.alert))
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs/runbooks").path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }
        for page in pages {
            #expect(names.contains(String(page.dropLast(3))), "docs/runbooks/\(page) has no alert")
        }
        // The index an operator opens first lists them all.
        let index = try String(contentsOf: Self.root.appendingPathComponent("docs/runbooks/README.md"), encoding: .utf8)
        for name in names { #expect(index.contains("[\(name)](\(name).md)"), "docs/runbooks/README.md lists \(name)") }
    }
}
