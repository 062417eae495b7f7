import Foundation
import Testing
import TestSupport
import Yams

/// The Swarm stack file, the image and its entry point, without a Docker engine (none runs here): the stack file passes
/// Docker's own schema (`docker stack config`, offline) and says what the monitoring relies on; the entry point turns
/// secrets into variables as documented.
@Suite struct ContainerTests {
    static let root = PrometheusRulesTests.root
    static let compose = root.appendingPathComponent("deploy/docker-compose.prod.yml")

    static func rendered() async throws -> [String: Any] {
        let result = try await Subprocess.run(
            // The template's settings, as the deploy script exports them from the operator's copy.
            ["sh", "-c", "set -a && . \(root.path)/deploy/.env.observability.template && docker stack config -c \(compose.path)"],
            mergeStandardError: false)
        try #require(result.status == 0, "docker stack config rejected the stack file: \(result.output)")
        return try #require(try Yams.load(yaml: result.output) as? [String: Any])
    }

    @Test(.integration("the docker client"))
    func theStackFilePassesDockersSchemaAndRunsEveryService() async throws {
        let stack = try await Self.rendered()
        let services = try #require(stack["services"] as? [String: [String: Any]])
        #expect(Set(services.keys) == [
            "api", "worker", "prober", "postgres", "prometheus", "alertmanager", "grafana", "node-exporter", "postgres-exporter", "blackbox-exporter",
        ])
        // The service names Prometheus's Swarm discovery keeps (stack "lookout" + service = lookout_<service>).
        let prometheusConfig = try String(contentsOf: Self.root.appendingPathComponent("deploy/prometheus/prometheus.prod.yml"), encoding: .utf8)
        for service in services.keys where !["postgres", "prometheus", "blackbox-exporter"].contains(service) {
            #expect(prometheusConfig.contains("regex: lookout_\(service),"), "prometheus.prod.yml discovers lookout_\(service)")
        }
        let api = try #require(services["api"])
        #expect((api["deploy"] as? [String: Any])?["replicas"] as? Int == 2)
        #expect((services["node-exporter"]?["deploy"] as? [String: Any])?["mode"] as? String == "global")
        for name in ["api", "worker", "prober", "postgres", "prometheus", "alertmanager", "grafana"] {
            #expect(services[name]?["healthcheck"] != nil, "\(name) has a health check")
        }
    }

    /// Monitoring that survives one failure and cannot be reconfigured by anyone on the network: two Prometheus
    /// replicas (one per manager, each labelled by its slot, the label kept on alerts so one replica cannot resolve the
    /// other's copy), two
    /// Alertmanagers in one gossip cluster, each with the external URL its links use, neither publishing a port nor
    /// enabling the lifecycle API.
    @Test(.integration("the docker client"))
    func prometheusAndAlertmanagerRunAsPairsWithNoPublishedAdminEndpoint() async throws {
        let stack = try await Self.rendered()
        let services = try #require(stack["services"] as? [String: [String: Any]])
        for name in ["prometheus", "alertmanager"] {
            let service = try #require(services[name])
            let deploy = service["deploy"] as? [String: Any] ?? [:]
            #expect(deploy["replicas"] as? Int == 2, "\(name) runs two replicas")
            #expect((deploy["placement"] as? [String: Any])?["max_replicas_per_node"] as? Int == 1, "\(name): one per node")
            #expect(service["ports"] == nil, "\(name) publishes no port")
            let command = service["command"] as? [String] ?? []
            #expect(command.contains { $0.hasPrefix("--web.external-url=https://") }, "\(name): \(command)")
            #expect(!command.contains("--web.enable-lifecycle"), "\(name): no unauthenticated reload or quit")
        }
        let alertmanager = services["alertmanager"]?["command"] as? [String] ?? []
        #expect(alertmanager.contains("--cluster.listen-address=0.0.0.0:9094"))
        #expect(alertmanager.contains("--cluster.peer=tasks.alertmanager:9094"))
        #expect((services["prometheus"]?["environment"] as? [String: Any])?["PROMETHEUS_REPLICA"] as? String == "{{.Task.Slot}}")
        let config = try #require(try Yams.load(yaml: String(contentsOf: Self.root.appendingPathComponent("deploy/prometheus/prometheus.prod.yml"), encoding: .utf8)) as? [String: Any])
        let labels = (config["global"] as? [String: Any])?["external_labels"] as? [String: Any]
        #expect(labels?["replica"] as? String == "${PROMETHEUS_REPLICA}")
        let relabel = ((config["alerting"] as? [String: Any])?["alert_relabel_configs"] as? [[String: Any]]) ?? []
        #expect(!relabel.contains { "\($0["regex"] ?? "")".contains("replica") },
                "alerts keep the replica label: merged copies let the replica that resolves first reopen the incident")
    }

    /// The four secrets the issue names (and the tokens) are Swarm secrets, mounted where the configurations read them.
    @Test(.integration("the docker client"))
    func secretsAreMountedWhereTheConfigurationsReadThem() async throws {
        let stack = try await Self.rendered()
        let services = try #require(stack["services"] as? [String: [String: Any]])
        func secrets(_ service: String) -> Set<String> {
            Set((services[service]?["secrets"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String })
        }
        #expect(secrets("api").isSuperset(of: ["sentry_dsn", "lookout_metrics_token", "lookout_admin_token", "lookout_prober_token"]))
        #expect(secrets("prober").isSuperset(of: ["lookout_prober_password", "lookout_prober_token"]), "the API and the prober share the probe secret")
        #expect(secrets("alertmanager") == ["pagerduty_routing_key", "smtp_password"])
        #expect(secrets("grafana") == ["grafana_admin_password"])
        #expect(secrets("prometheus") == ["lookout_metrics_token"])
        let alertmanager = try String(contentsOf: Self.root.appendingPathComponent("deploy/alertmanager/alertmanager.yml"), encoding: .utf8)
        #expect(alertmanager.contains("routing_key_file: /run/secrets/pagerduty_routing_key"))
        #expect(alertmanager.contains("smtp_auth_password_file: /run/secrets/smtp_password"))
        let environment = services["api"]?["environment"] as? [String: Any] ?? [:]
        #expect(environment["SENTRY_DSN_FILE"] as? String == "/run/secrets/sentry_dsn")
        #expect(environment["SENTRY_DSN"] == nil, "no secret in the environment itself")
        let declared = Set((stack["secrets"] as? [String: Any] ?? [:]).keys)
        #expect(declared.isSuperset(of: ["sentry_dsn", "pagerduty_routing_key", "smtp_password", "grafana_admin_password"]))
    }

    /// Every file the stack hands Swarm as a config exists, and the rule and dashboard files are all among them.
    @Test func everyMountedConfigExistsAndNoneIsForgotten() throws {
        let document = try #require(try Yams.load(yaml: String(contentsOf: Self.compose, encoding: .utf8)) as? [String: Any])
        let files = (document["configs"] as? [String: [String: Any]] ?? [:]).values.compactMap { $0["file"] as? String }
        for file in files {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("deploy").appendingPathComponent(file).path), "\(file)")
        }
        let rules = try PrometheusRulesTests.files(PrometheusRulesTests.rules).map { "./prometheus/rules/" + URL(fileURLWithPath: $0).lastPathComponent }
        let dashboards = try GrafanaDashboardTests.dashboards().map { "./grafana/dashboards/" + $0.lastPathComponent }
        for file in rules + dashboards { #expect(files.contains(file), "the stack mounts \(file)") }
    }

    @Test func theImageIsBuiltInStagesAndRunsUnprivileged() throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let stages = dockerfile.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.contains("AS build") == true)
        for product in ["backend", "worker", "prober"] { #expect(dockerfile.contains("--product \(product)"), "\(product)") }
        #expect(dockerfile.contains("COPY --from=build"))
        #expect(dockerfile.contains("USER lookout"))
    }
}
