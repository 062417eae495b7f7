import Foundation
import Testing
import TestSupport
import Yams

/// The Prometheus server configurations (production on Docker Swarm, local on 127.0.0.1), held to the same jobs: the rules,
/// alerts and dashboards filter on them. (`promtool check config` and the blackbox modules' check run in
/// `scripts/validate-observability.sh`.)
@Suite struct PrometheusConfigTests {
    static let root = PrometheusRulesTests.root
    static let production = root.appendingPathComponent("deploy/prometheus/prometheus.prod.yml")
    static let local = root.appendingPathComponent("deploy/prometheus/prometheus.local.yml")
    static let jobs: Set = [
        "prometheus", "alertmanager", "lookout-api", "lookout-worker", "lookout-prober", "node-exporter",
        "postgres-exporter", "blackbox-exporter", "grafana",
    ]

    static func document(_ config: URL) throws -> [String: Any] {
        try #require(try Yams.load(yaml: try String(contentsOf: config, encoding: .utf8)) as? [String: Any])
    }

    @Test(arguments: [production, local])
    func everyJobTheRulesAndDashboardsNameIsScraped(config: URL) throws {
        let document = try Self.document(config)
        let jobs = (document["scrape_configs"] as? [[String: Any]] ?? []).compactMap { $0["job_name"] as? String }
        #expect(Set(jobs) == Self.jobs, "\(config.lastPathComponent): \(jobs)")
        let global = try #require(document["global"] as? [String: Any])
        #expect((global["external_labels"] as? [String: Any])?["cluster"] != nil)
        #expect(document["alerting"] != nil)
        #expect((document["rule_files"] as? [String]) == ["/etc/prometheus/rules/*.rules.yml"])
    }

    /// In production every target but Prometheus itself and the blackbox probes is found by Swarm service discovery,
    /// restricted to running tasks on the monitoring network; the Lookout processes are scraped with the metrics token.
    @Test func productionFindsItsTargetsThroughSwarm() throws {
        let document = try Self.document(Self.production)
        for job in document["scrape_configs"] as? [[String: Any]] ?? [] {
            let name = job["job_name"] as? String ?? ""
            guard !["prometheus", "blackbox-exporter"].contains(name) else { continue }
            let discovery = try #require(job["dockerswarm_sd_configs"] as? [[String: Any]], "\(name) uses Swarm discovery")
            #expect(discovery.first?["role"] as? String == "tasks", "\(name)")
            let relabels = job["relabel_configs"] as? [[String: Any]] ?? []
            let kept = relabels.filter { $0["action"] as? String == "keep" }.compactMap { $0["regex"] as? String }
            #expect(kept.contains("running") && kept.contains("lookout_monitoring"), "\(name) keeps running tasks on the monitoring network")
            if name.hasPrefix("lookout-") {
                let credentials = (job["authorization"] as? [String: Any])?["credentials_file"] as? String
                #expect(credentials == "/run/secrets/lookout_metrics_token", "\(name) sends the metrics token")
            }
        }
        let alertmanagers = try #require(((document["alerting"] as? [String: Any])?["alertmanagers"] as? [[String: Any]])?.first)
        #expect(alertmanagers["dockerswarm_sd_configs"] != nil)
    }
}
