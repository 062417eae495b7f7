import Foundation
import Testing
import TestSupport
import Yams

/// The Grafana dashboards: the four the stack provisions, each showing what it promises, every dashboard link of the
/// alerts pointing at one of them, and a checker that is no rubber stamp. (That the dashboards match their source, pass
/// Grafana's JSON schema (deploy/grafana/schema, vendored) and the dashboard rules, and that every query parses, is
/// checked by `scripts/validate-observability.sh`.)
@Suite struct GrafanaDashboardTests {
    static let root = PrometheusRulesTests.root
    static let folder = root.appendingPathComponent("deploy/grafana/dashboards")
    static let schema = root.appendingPathComponent("deploy/grafana/schema")
    static let checker = root.appendingPathComponent("scripts/tools/check_dashboards.py").path

    static func dashboards() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { folder.appendingPathComponent($0) }
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func check(_ files: [URL]) async throws -> (status: Int32, problems: [String], queries: [[String: String]]) {
        let result = try await Subprocess.run([SentryCheck.python, checker, schema.path] + files.map(\.path), mergeStandardError: false)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        return (result.status, report["problems"] as? [String] ?? [], report["queries"] as? [[String: String]] ?? [])
    }

    @Test func fourDashboardsAreProvided() throws {
        #expect(try Self.dashboards().map(\.lastPathComponent) == ["api-performance.json", "business-kpis.json", "infrastructure.json", "slos.json"])
    }

    /// The checker is not a rubber stamp: a legacy field, a fixed range, a missing instance filter, a bare counter and
    /// a panel without unit or description are each reported.
    @Test(.integration("the .venv's python with jsonschema"))
    func theCheckerReportsWhatBreaksTheRules() async throws {
        var dashboard = try Self.json(Self.folder.appendingPathComponent("api-performance.json"))
        dashboard["rows"] = []
        var panels = try #require(dashboard["panels"] as? [[String: Any]])
        var targets = try #require(panels[0]["targets"] as? [[String: Any]])
        targets[0]["expr"] = #"sum(rate(http_requests_total{job=~"$job"}[5m])) + http_requests_total{job=~"$job", instance=~"$instance"}"#
        panels[0]["targets"] = targets
        panels[1]["description"] = nil
        panels[1]["fieldConfig"] = ["defaults": [:], "overrides": []]
        dashboard["panels"] = panels
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: dashboard).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, problems, _) = try await Self.check([file])
        #expect(status == 1)
        let text = problems.joined(separator: "\n")
        for expected in ["'rows' was unexpected", "range [5m] is not [$__rate_interval]", "http_requests_total does not filter on job and instance",
                         "counter http_requests_total outside rate/irate/increase", "no description", "no unit"] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
    }

    /// What the issue asks each dashboard to show is there.
    @Test func eachDashboardShowsWhatItPromises() throws {
        let expected: [String: (uid: String, titles: [String])] = [
            "api-performance.json": ("lookout-api", ["Request rate", "Latency heatmap", "p95 latency", "error ratio", "Status codes"]),
            "business-kpis.json": ("lookout-business", ["Generation requests", "success ratio", "Revenue by currency", "Registrations", "Active generation tasks", "Queue wait"]),
            "infrastructure.json": ("lookout-infrastructure", ["CPU", "memory", "Disk", "Database pool", "Queue depth", "Cache hit ratio", "Worker heartbeat"]),
            "slos.json": ("lookout-slos", ["Objective", "Current value", "Error budget left", "Burn rate"]),
        ]
        for (file, promise) in expected {
            let dashboard = try Self.json(Self.folder.appendingPathComponent(file))
            #expect(dashboard["uid"] as? String == promise.uid, "\(file)")
            let titles = (dashboard["panels"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
            for title in promise.titles {
                #expect(titles.contains { $0.localizedCaseInsensitiveContains(title) }, "\(file) has a panel about \(title): \(titles)")
            }
        }
        let api = try Self.json(Self.folder.appendingPathComponent("api-performance.json"))
        let types = (api["panels"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
        #expect(types.contains("heatmap"))
    }

    /// Every dashboard_url of the alerts names a provided dashboard (by uid), and its variables exist there.
    @Test func everyAlertLinksToAProvidedDashboard() throws {
        var variables: [String: Set<String>] = [:]
        for file in try Self.dashboards() {
            let dashboard = try Self.json(file)
            let names = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            variables[dashboard["uid"] as? String ?? ""] = Set(names)
        }
        for rule in try PrometheusRulesTests.alertRules() {
            let url = try #require(URLComponents(string: rule.annotations["dashboard_url"] ?? ""), "\(rule.alert)")
            let parts = url.path.split(separator: "/")
            #expect(parts.first == "d" && parts.count == 3, "\(rule.alert): \(url.path)")
            let uid = parts.count > 1 ? String(parts[1]) : ""
            let known = try #require(variables[uid], "\(rule.alert) links to dashboard \(uid), which deploy/grafana does not provide")
            for item in url.queryItems ?? [] where item.name.hasPrefix("var-") {
                #expect(known.contains(String(item.name.dropFirst(4))), "\(rule.alert): \(item.name)")
            }
        }
    }

    /// The provisioned datasource is the one the dashboards default to, and the dashboard provider reads the folder the
    /// stack mounts.
    @Test func provisioningMatchesTheDashboards() throws {
        let datasources = try #require(try Yams.load(yaml: String(contentsOf: Self.root.appendingPathComponent("deploy/grafana/provisioning/datasources/prometheus.yml"), encoding: .utf8)) as? [String: Any])
        let source = try #require((datasources["datasources"] as? [[String: Any]])?.first)
        #expect(source["type"] as? String == "prometheus")
        for file in try Self.dashboards() {
            let list = (try Self.json(file)["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            let current = list.first { $0["name"] as? String == "datasource" }?["current"] as? [String: Any]
            #expect(current?["value"] as? String == source["uid"] as? String, "\(file.lastPathComponent)")
        }
        let providers = try #require(try Yams.load(yaml: String(contentsOf: Self.root.appendingPathComponent("deploy/grafana/provisioning/dashboards/lookout.yml"), encoding: .utf8)) as? [String: Any])
        let path = ((providers["providers"] as? [[String: Any]])?.first?["options"] as? [String: Any])?["path"] as? String
        #expect(path == "/var/lib/grafana/dashboards/lookout")
    }
}
