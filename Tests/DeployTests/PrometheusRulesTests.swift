import Foundation
import Testing
import TestSupport
import Yams

/// The monitoring stack's Prometheus rules, checked by the real tools: `promtool check rules` with every lint fatal,
/// `promtool test rules` on the unit tests, and each alert's labels, annotations and runbook page.
@Suite struct PrometheusRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let rules = root.appendingPathComponent("deploy/prometheus/rules")
    static let tests = root.appendingPathComponent("deploy/prometheus/tests")

    static func files(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yml") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    static func promtool(_ arguments: [String]) async throws -> SubprocessResult {
        try await Subprocess.run(["promtool"] + arguments)
    }

    @Test func everyRuleFileIsLintClean() async throws {
        let files = try Self.files(Self.rules)
        try #require(!files.isEmpty)
        let result = try await Self.promtool(["check", "rules", "--lint=all", "--lint-fatal"] + files)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func theRuleUnitTestsPass() async throws {
        let files = try Self.files(Self.tests)
        try #require(!files.isEmpty)
        let result = try await Self.promtool(["test", "rules"] + files)
        #expect(result.status == 0, "\(result.output)")
    }

    /// Every alert carries a severity, a service and the four annotations; its runbook page exists; and the unit tests
    /// exercise it.
    @Test func everyAlertIsLabelledDocumentedAndTested() throws {
        let testText = try Self.files(Self.tests).map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        var alerts: [String] = []
        for file in try Self.files(Self.rules) {
            let document = try #require(try Yams.load(yaml: try String(contentsOfFile: file, encoding: .utf8)) as? [String: Any])
            for group in document["groups"] as? [[String: Any]] ?? [] {
                for rule in group["rules"] as? [[String: Any]] ?? [] {
                    guard let alert = rule["alert"] as? String else { continue }
                    alerts.append(alert)
                    let labels = rule["labels"] as? [String: Any] ?? [:]
                    let annotations = rule["annotations"] as? [String: Any] ?? [:]
                    #expect(["critical", "warning", "info"].contains(labels["severity"] as? String ?? ""), "\(alert) severity")
                    #expect((labels["service"] as? String)?.isEmpty == false, "\(alert) service")
                    for name in ["summary", "description", "runbook_url", "dashboard_url"] {
                        #expect((annotations[name] as? String)?.isEmpty == false, "\(alert) \(name)")
                    }
                    let runbook = annotations["runbook_url"] as? String ?? ""
                    let page = runbook.components(separatedBy: "/blob/main/").last ?? ""
                    #expect(runbook.hasSuffix("docs/runbooks/\(alert).md"), "\(alert): one runbook page per alert, named after it")
                    #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(page).path), "\(alert): \(page) exists")
                    #expect(testText.contains("alertname: \(alert)"), "\(alert) has promtool unit tests")
                }
            }
        }
        #expect(alerts.count >= 3)
    }
}
