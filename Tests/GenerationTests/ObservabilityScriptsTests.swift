import Foundation
import Testing
import TestSupport

/// The operator's scripts, run as an operator runs them.
///
/// `scripts/stack-local.sh` starts the real Prometheus, Alertmanager, node and blackbox exporters against a running
/// backend. `deploy/scripts/deploy-observability.sh` drives Docker Swarm, and no Docker engine runs here: its `docker`
/// calls go to a recording stand-in that answers like the engine (which services run, which secrets exist), while
/// everything it checks over HTTP (Prometheus's targets, health endpoints) is real.
@Suite(.serialized, .integration("the built backend", "prometheus, alertmanager and the exporters", "aiosmtpd in .venv")) struct ObservabilityScriptsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> SubprocessResult {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try await Subprocess.run(["env"] + assignments + arguments, timeout: 120)
    }

    // MARK: stack-local.sh

    @Test(.timeLimit(.minutes(20)))
    func theLocalStackScrapesTheServiceAndStopsByPID() async throws {
        let directory = try ServiceProcess.temporaryDirectory("stack-local")
        let api = try ServiceProcess("backend", environment: ServiceProcess.environment(directory: directory))
        let apiPort = try await api.waitForPort()
        // Every port 0: each program picks its own, and the script writes down which (STACK_DIR/ports.env).
        let environment = [
            "STACK_DIR": directory.appendingPathComponent("stack").path, "STACK_API_TARGET": "127.0.0.1:\(apiPort)",
            "STACK_PROMETHEUS_PORT": "0", "STACK_ALERTMANAGER_PORT": "0", "STACK_NODE_EXPORTER_PORT": "0", "STACK_BLACKBOX_PORT": "0",
            "STACK_SINK_PORT": "0", "STACK_SMTP_PORT": "0", "SENTRY_TOOLS_PYTHON": SentryCheck.python,
        ]
        let script = Self.root.appendingPathComponent("scripts/stack-local.sh").path
        let up = try await Self.run([script, "up"], environment: environment)
        do {
            let ports = (try? String(contentsOf: directory.appendingPathComponent("stack/ports.env"), encoding: .utf8)) ?? ""
            let prometheusPort = try #require(
                ports.split(separator: "\n").first { $0.hasPrefix("prometheus_port=") }.flatMap { Int($0.dropFirst("prometheus_port=".count)) },
                "ports.env names Prometheus's port: \(ports)\n\(up.output)"
            )
            try await checkRunningStack(up: up, prometheusPort: prometheusPort, directory: directory, script: script, environment: environment)
        } catch {
            _ = try? await Self.run([script, "down"], environment: environment)
            throw error
        }
        api.signal(SIGTERM)
        _ = try await api.waitForExit()
    }

    /// The running local stack: targets up, rules loaded, the Watchdog delivered; then `down` stops every process.
    func checkRunningStack(up: SubprocessResult, prometheusPort: Int, directory: URL, script: String, environment: [String: String]) async throws {
        #expect(up.status == 0, "\(up.output)")

        let prometheus = "http://127.0.0.1:\(prometheusPort)"
        // The service, the host and the blackbox probes of the service's public endpoints, all up; the production rules.
        for query in [#"up{job="lookout-api"}"#, #"up{job="node-exporter"}"#, #"up{job="alertmanager"}"#,
                      #"min(probe_success{job="blackbox-exporter"})"#] {
            #expect(try await eventually { try await RealPrometheus.query(prometheus, query) == 1 }, "\(query)")
        }
        let rules = try await call(.GET, "\(prometheus)/api/v1/rules")
        let files = Set(((rules.json["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String })
        #expect(files.count == 4, "\(files)")
        // The Watchdog travels through the local Alertmanager to the notification sink.
        let notifications = directory.appendingPathComponent("stack/notifications.jsonl")
        #expect(try await eventually {
            ((try? String(contentsOf: notifications, encoding: .utf8)) ?? "").contains("Watchdog")
        })

        let status = try await Self.run([script, "status"], environment: environment)
        #expect(status.output.contains("lookout-api"), "\(status.output)")

        let pids = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("stack").path).filter { $0.hasSuffix(".pid") }
            .compactMap { Int32((try? String(contentsOf: directory.appendingPathComponent("stack/\($0)"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") }
        #expect(pids.count == 6)
        let down = try await Self.run([script, "down"], environment: environment)
        #expect(down.status == 0, "\(down.output)")
        for pid in pids { #expect(kill(pid, 0) != 0, "process \(pid) was stopped") }
    }

    // MARK: deploy-observability.sh

    /// A stand-in for the `docker` client: it logs every call (with LOOKOUT_CONFIG_VERSION) and answers as an engine
    /// would: a manager node labelled for data, the secrets listed in `existing-secrets`, the services of `services`.
    static func dockerStandIn(in folder: URL) throws -> URL {
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let script = bin.appendingPathComponent("docker")
        try #"""
            #!/bin/sh
            state="$(dirname "$0")/.."
            echo "$* ${LOOKOUT_CONFIG_VERSION:+[config $LOOKOUT_CONFIG_VERSION]}" >> "$state/calls"
            case "$1 $2" in
              "info --format") echo "active true" ;;
              "info ") ;;
              "node ls") echo "node-1" ;;
              "secret inspect") grep -qx "$3" "$state/existing-secrets" 2>/dev/null ;;
              "service ls") cat "$state/services" ;;
              *) ;;
            esac
            """#.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return bin
    }

    /// An env file made from the template, with secret files in `folder/secrets`.
    static func envFile(in folder: URL, overrides: [String: String] = [:]) throws -> URL {
        let secrets = folder.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        var text = try String(contentsOf: root.appendingPathComponent("deploy/.env.observability.template"), encoding: .utf8)
        text = text.replacingOccurrences(of: "/etc/lookout/secrets/", with: secrets.path + "/")
        for name in ["sentry_dsn", "metrics_token", "admin_token", "prober_password", "prober_token", "pagerduty_routing_key", "smtp_password", "grafana_admin_password", "postgres_password"] {
            try "secret-\(name)".write(to: secrets.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for (key, value) in overrides { text += "\n\(key)=\(value)\n" }
        let file = folder.appendingPathComponent(".env.observability")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let deployScript = root.appendingPathComponent("deploy/scripts/deploy-observability.sh").path

    @Test func deployCreatesTheSecretsOnceAndDeploysTheStackWithVersionedConfigs() async throws {
        let folder = try ServiceProcess.temporaryDirectory("deploy")
        let bin = try Self.dockerStandIn(in: folder)
        let env = try Self.envFile(in: folder)
        try "lookout_smtp_password\n".write(to: folder.appendingPathComponent("existing-secrets"), atomically: true, encoding: .utf8)
        let path = "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let result = try await Self.run([Self.deployScript, "deploy", "--env-file", env.path], environment: ["PATH": path])
        #expect(result.status == 0, "\(result.output)")
        let calls = try String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)
        for secret in ["sentry_dsn", "metrics_token", "admin_token", "prober_password", "prober_token", "pagerduty_routing_key", "grafana_admin_password", "postgres_password"] {
            #expect(calls.contains("secret create lookout_\(secret) \(folder.path)/secrets/\(secret)"), "\(secret): \(calls)")
        }
        #expect(!calls.contains("secret create lookout_smtp_password"), "an existing secret is left as it is")
        let deploy = try #require(calls.split(separator: "\n").first { $0.hasPrefix("stack deploy") })
        #expect(deploy.hasPrefix("stack deploy --prune --with-registry-auth -c \(Self.root.path)/deploy/docker-compose.prod.yml lookout [config "))
    }

    @Test func deployStopsOnAMissingSecretOrEnvFileAndSaysWhatToDo() async throws {
        let folder = try ServiceProcess.temporaryDirectory("deploy-missing")
        let bin = try Self.dockerStandIn(in: folder)
        let path = "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let noFile = try await Self.run([Self.deployScript, "deploy", "--env-file", folder.appendingPathComponent("nope").path], environment: ["PATH": path])
        #expect(noFile.status == 1)
        #expect(noFile.output.contains("cp ") && noFile.output.contains(".env.observability.template"), "\(noFile.output)")

        let env = try Self.envFile(in: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("secrets/pagerduty_routing_key"))
        let missing = try await Self.run([Self.deployScript, "deploy", "--env-file", env.path], environment: ["PATH": path])
        #expect(missing.status == 1)
        #expect(missing.output.contains("PAGERDUTY_ROUTING_KEY_SECRET_FILE points at"), "\(missing.output)")
        let calls = (try? String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)) ?? ""
        #expect(!calls.contains("stack deploy"), "nothing is deployed")
    }

    /// verify: every service at its replicas, the health endpoints, and every Prometheus target up, read from a real
    /// Prometheus. One worker replica missing and one target down: both named, exit 1.
    @Test(.timeLimit(.minutes(20)))
    func verifyReadsTheRealTargetsAndNamesWhatIsDown() async throws {
        let folder = try ServiceProcess.temporaryDirectory("deploy-verify")
        let bin = try Self.dockerStandIn(in: folder)
        let path = "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"

        // Prometheus scraping itself under every job name the stack has, and one job also at a port that refuses.
        let closed = TestPorts.refusing
        let jobs = ["prometheus", "alertmanager", "lookout-api", "lookout-worker", "lookout-prober", "node-exporter", "postgres-exporter", "blackbox-exporter", "grafana"]
        func config(port: Int, brokenWorker: Bool) -> String {
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n" + jobs.map { job in
                let targets = job == "lookout-worker" && brokenWorker ? #""127.0.0.1:\#(port)", "127.0.0.1:\#(closed)""# : #""127.0.0.1:\#(port)""#
                return "  - job_name: \(job)\n    metrics_path: /metrics\n    static_configs: [{targets: [\(targets)]}]\n"
            }.joined()
        }
        let prometheus = try await RealPrometheus.start(directory: folder, configuration: "global: {scrape_interval: 1s}\n")
        defer { prometheus.process.signal(SIGKILL) }
        let port = prometheus.port
        try prometheus.reload(config(port: port, brokenWorker: false))
        // Grafana's /api/health and the API's /health/ready, served as files (no Grafana on this machine).
        let site = folder.appendingPathComponent("site")
        for file in ["api/health", "health/ready"] {
            let url = site.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try #"{"status":"ok"}"#.write(to: url, atomically: true, encoding: .utf8)
        }
        let server = try ServiceProcess(name: "http.server", executable: URL(fileURLWithPath: "/usr/bin/python3"),
                                        arguments: ["-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", site.path], environment: [:])
        defer { server.signal(SIGKILL) }
        let sitePort = try await server.waitForListeningPort()
        let env = try Self.envFile(in: folder, overrides: [
            "PROMETHEUS_URL": "http://127.0.0.1:\(port)", "ALERTMANAGER_URL": "http://127.0.0.1:\(port)",
            "GRAFANA_URL": "http://127.0.0.1:\(sitePort)", "LOOKOUT_PUBLIC_URL": "http://127.0.0.1:\(sitePort)",
        ])
        #expect(try await eventually {
            try await prometheus.query("count(up == 1)") == Double(jobs.count)
        })

        let healthy = "lookout_api 2/2\nlookout_worker 1/1\nlookout_node-exporter 3/3 (max 1 per node)\n"
        try healthy.write(to: folder.appendingPathComponent("services"), atomically: true, encoding: .utf8)
        let good = try await Self.run([Self.deployScript, "verify", "--env-file", env.path], environment: ["PATH": path])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("verify: everything is up"))
        #expect(good.output.contains("OK    target lookout-api 127.0.0.1:\(port)"), "\(good.output)")

        try "lookout_api 2/2\nlookout_worker 0/1\n".write(to: folder.appendingPathComponent("services"), atomically: true, encoding: .utf8)
        try prometheus.reload(config(port: port, brokenWorker: true))
        #expect(try await eventually {
            try await prometheus.query("count(up == 0)") == 1
        })
        let bad = try await Self.run([Self.deployScript, "verify", "--env-file", env.path], environment: ["PATH": path])
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.output.contains("FAIL  service lookout_worker"), "\(bad.output)")
        #expect(bad.output.contains("FAIL  target lookout-worker 127.0.0.1:\(closed)"), "\(bad.output)")
        #expect(bad.output.contains("verify: 2 problem(s)"), "\(bad.output)")
    }

    @Test func destroyWantsConfirmationAndKeepsTheVolumes() async throws {
        let folder = try ServiceProcess.temporaryDirectory("deploy-destroy")
        let bin = try Self.dockerStandIn(in: folder)
        let path = "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
        let unconfirmed = try await Self.run([Self.deployScript, "destroy"], environment: ["PATH": path])
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.output.contains("--yes"))
        #expect(!((try? String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)) ?? "").contains("stack rm"))
        let confirmed = try await Self.run([Self.deployScript, "destroy", "--yes"], environment: ["PATH": path])
        #expect(confirmed.status == 0, "\(confirmed.output)")
        let calls = try String(contentsOf: folder.appendingPathComponent("calls"), encoding: .utf8)
        #expect(calls.contains("stack rm lookout"))
        #expect(!calls.contains("volume rm") && !calls.contains("secret rm"))
    }
}
