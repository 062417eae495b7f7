import Foundation
import Testing
import TestSupport
import Yams

/// The whole alerting path, live: the backend, a real Prometheus loading the production rule files, and a real
/// Alertmanager running the production configuration. Only what points outside this machine is redirected: PagerDuty's
/// Events API and the heartbeat to a local recorder, the SMTP smarthost to a local aiosmtpd sink (without TLS, which
/// the sink does not offer), the secrets to files, and business hours widened to "always" so that "now" is inside them.
///
/// Stopping the service pages PagerDuty with an Events v2 trigger for LookoutServiceDown and a resolve once it is back;
/// a warning reaches the team's mailbox with its runbook link; a critical alert mutes the warning of the same alert.
@Suite(.serialized, .integration("the built backend", "prometheus", "prometheus-alertmanager", "aiosmtpd in .venv")) struct AlertingPipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let routingKey = "lookout-test-routing-key-0123456789"

    /// The production Alertmanager configuration with the test's endpoints, from the renderer the drill and the local
    /// stack use (scripts/tools/local_config.py); it fails if a line it rewrites has changed.
    static func alertmanagerConfig(sink: String, smtp: Int, secrets: URL) async throws -> String {
        let rendered = try await Subprocess.run([
            SentryCheck.python, root.appendingPathComponent("scripts/tools/local_config.py").path, "alertmanager",
            "--sink", sink, "--smtp", "127.0.0.1:\(smtp)", "--secrets", secrets.path, "--always-open",
        ], mergeStandardError: false)
        try #require(rendered.status == 0, "scripts/tools/local_config.py failed: \(rendered.output)")
        return rendered.output
    }

    @Test(.timeLimit(.minutes(20)))
    func serviceDownPagesAndResolvesAndAWarningIsMailedWithItsRunbook() async throws {
        let directory = try ServiceProcess.temporaryDirectory("alerting")
        let secrets = directory.appendingPathComponent("secrets")
        let mailbox = directory.appendingPathComponent("mailbox")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Self.routingKey.write(to: secrets.appendingPathComponent("pagerduty_routing_key"), atomically: true, encoding: .utf8)
        try "smtp-secret".write(to: secrets.appendingPathComponent("smtp_password"), atomically: true, encoding: .utf8)

        // Outside endpoints, local: PagerDuty and the heartbeat (one recorder), and an SMTP sink writing a Maildir.
        // Every server picks its own port (port 0) and the test reads it back.
        let receiver = try await WebhookRecorder()
        let smtp = try ServiceProcess(name: "aiosmtpd", executable: URL(fileURLWithPath: SentryCheck.python), arguments: [
            "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:0", "-c", "aiosmtpd.handlers.Mailbox", mailbox.path,
        ], environment: [:])
        let smtpPort = try await smtp.waitForListeningPort()

        // The service; restarted later on the port it picked now, so that it comes back where Prometheus looks for it.
        var api: ServiceProcess? = try ServiceProcess("backend", environment: ServiceProcess.environment(directory: directory))
        let apiPort = try await api!.waitForPort()
        let environment = ServiceProcess.environment(directory: directory, ["LOOKOUT_HTTP_PORT": "\(apiPort)"])

        let alertmanagerFile = directory.appendingPathComponent("alertmanager.yml")
        try await Self.alertmanagerConfig(sink: receiver.url, smtp: smtpPort, secrets: secrets)
            .write(to: alertmanagerFile, atomically: true, encoding: .utf8)
        let alertmanager = try ServiceProcess.external("prometheus-alertmanager", arguments: [
            "--config.file=\(alertmanagerFile.path)", "--storage.path=\(directory.appendingPathComponent("alertmanager").path)",
            "--web.listen-address=127.0.0.1:0", "--cluster.listen-address=", "--log.level=warn",
        ])
        let alertmanagerPort = try await alertmanager.waitForListeningPort()
        let alertmanagerURL = "http://127.0.0.1:\(alertmanagerPort)"

        #expect(try await eventually { (try? await call(.GET, "\(alertmanagerURL)/-/ready"))?.status == 200 },
                "Alertmanager starts with the production configuration: \(alertmanager.standardError)")

        let prometheus = try await RealPrometheus.start(directory: directory, configuration: """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: ["\(Self.root.appendingPathComponent("deploy/prometheus/rules").path)/*.rules.yml"]
            alerting:
              alertmanagers:
                - static_configs: [{targets: ["127.0.0.1:\(alertmanagerPort)"]}]
            scrape_configs:
              - job_name: lookout-api
                static_configs: [{targets: ["127.0.0.1:\(apiPort)"]}]
            """)
        let prometheusURL = prometheus.url
        defer {
            for process in [prometheus.process, alertmanager, smtp, api].compactMap({ $0 }) { process.signal(SIGKILL) }
        }

        // Every production rule file loaded, the service scraped, the Watchdog through to its heartbeat.
        #expect(try await eventually {
            let rules = try? await call(.GET, "\(prometheusURL)/api/v1/rules")
            let groups = (rules?.json["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
            return Set(groups.compactMap { $0["file"] as? String }.map { URL(fileURLWithPath: $0).lastPathComponent }).count == 4
        }, "Prometheus loads the four production rule files")
        #expect(try await eventually { try await prometheus.query(#"up{job="lookout-api"}"#) == 1 })
        #expect(try await eventually {
            receiver.requests.contains { $0.path == "/ping/alertmanager" && $0.body.contains("Watchdog") }
        }, "the Watchdog reaches the heartbeat: \(receiver.requests.map(\.path))\nalertmanager: \(alertmanager.standardError.suffix(3000))\nprometheus: \(prometheus.process.standardError.suffix(2000))")

        // The service stops: after `for: 1m`, PagerDuty gets an Events v2 trigger for LookoutServiceDown.
        api!.signal(SIGTERM)
        #expect(try await api!.waitForExit() == 0)
        api = nil
        func pages(_ action: String) -> [[String: Any]] {
            receiver.requests.filter { $0.path == "/v2/enqueue" }.map(\.json)
                .filter { $0["event_action"] as? String == action && ($0["payload"] as? [String: Any])?["summary"].map { "\($0)" }?.contains("LookoutServiceDown") == true }
        }
        #expect(try await eventually { !pages("trigger").isEmpty }, "PagerDuty is paged: \(receiver.requests.map(\.body))")
        let trigger = try #require(pages("trigger").first)
        #expect(trigger["routing_key"] as? String == Self.routingKey)
        #expect((trigger["dedup_key"] as? String)?.isEmpty == false)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical")
        #expect((payload["source"] as? String)?.isEmpty == false)
        #expect(payload["summary"] as? String == "[FIRING:1] LookoutServiceDown (lookout-api)")
        let details = try #require(payload["custom_details"] as? [String: Any])
        #expect("\(details["summary"] ?? "")".contains("The Lookout API is down"))
        #expect("\(details["runbook"] ?? "")".contains("docs/runbooks/LookoutServiceDown.md"))
        #expect("\(details["dashboard"] ?? "")".contains("/d/lookout-api/"))

        // Back up on the same port: the same incident is resolved (same dedup key).
        api = try ServiceProcess("backend", environment: environment)
        _ = try await api!.waitForPort()
        #expect(try await eventually { !pages("resolve").isEmpty }, "the page is resolved")
        #expect(pages("resolve").first?["dedup_key"] as? String == trigger["dedup_key"] as? String)

        // A warning (LookoutHighLatency, as its rule labels and annotates it) reaches the team's mailbox with the runbook
        // link; a warning whose critical twin fires at the same time (LookoutHigh5xxRatio) is muted, the critical paged.
        let latency = try #require(try Self.rule("LookoutHighLatency", severity: "warning"))
        let errors = try #require(try Self.rule("LookoutHigh5xxRatio", severity: "warning"))
        let errorsCritical = try #require(try Self.rule("LookoutHigh5xxRatio", severity: "critical"))
        // Each sent twice, as the two Prometheus replicas send it (their `replica` label kept): every message lists it once.
        let alerts = [latency, errors, errorsCritical].flatMap { rule in ["1", "2"].map { replica -> [String: Any] in
            [
                "labels": ["alertname": rule.alert, "severity": rule.severity, "service": rule.service, "job": "lookout-api", "replica": replica],
                "annotations": rule.annotations.mapValues { $0.replacingOccurrences(of: "{{ $value | humanizePercentage }}", with: "90%") },
            ]
        } }
        let posted = try await call(.POST, "\(alertmanagerURL)/api/v2/alerts", body: String(decoding: try JSONSerialization.data(withJSONObject: alerts), as: UTF8.self))
        #expect(posted.status == 200, "\(posted.text)")

        let mails = { Self.messages(in: mailbox) }
        #expect(try await eventually { mails().contains { $0.contains("LookoutHighLatency") } }, "the warning is mailed")
        let mail = try #require(mails().first { $0.contains("LookoutHighLatency") })
        #expect(mail.contains("Subject: [FIRING:1] LookoutHighLatency (lookout-api)"), "\(mail.prefix(600))")
        #expect(mail.contains("To: oncall@lookout.example"))
        #expect(mail.contains("https://github.com/lookout-observability/lookout/blob/main/docs/runbooks/LookoutHighLatency.md"), "\(mail)")
        #expect(mail.components(separatedBy: "API p95 latency is over 1 s").count == 3, "once in the text and once in the HTML part: \(mail)")
        #expect(try await eventually {
            receiver.requests.contains { ($0.json["payload"] as? [String: Any])?["summary"] as? String == "[FIRING:1] LookoutHigh5xxRatio (lookout-api)" }
        }, "the critical 5xx alert pages")
        // Alertmanager's own word that the warning twin is muted by the critical one: its state is "suppressed", with the
        // inhibiting alert named. A suppressed alert is never notified, so no mail can follow.
        #expect(try await eventually {
            let listed = try? await call(.GET, "\(alertmanagerURL)/api/v2/alerts?filter=alertname%3D%22LookoutHigh5xxRatio%22")
            let alerts = (try? JSONSerialization.jsonObject(with: Data((listed?.text ?? "").utf8))) as? [[String: Any]] ?? []
            return alerts.contains { alert in
                let labels = alert["labels"] as? [String: Any], status = alert["status"] as? [String: Any]
                return labels?["severity"] as? String == "warning" && status?["state"] as? String == "suppressed"
                    && !((status?["inhibitedBy"] as? [Any]) ?? []).isEmpty
            }
        }, "the warning twin is inhibited by the critical alert")
        #expect(!mails().contains { $0.contains("LookoutHigh5xxRatio") }, "its warning twin is inhibited, not mailed")

        api!.signal(SIGTERM)
        _ = try await api!.waitForExit()
        await receiver.stop()
    }

    struct Rule {
        var alert: String, severity: String, service: String, annotations: [String: String]
    }

    /// An alerting rule of the production rule files, by name and severity.
    static func rule(_ name: String, severity: String) throws -> Rule? {
        let folder = root.appendingPathComponent("deploy/prometheus/rules")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".yml") {
            let document = try Yams.load(yaml: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) as? [String: Any]
            for group in document?["groups"] as? [[String: Any]] ?? [] {
                for rule in group["rules"] as? [[String: Any]] ?? [] where rule["alert"] as? String == name {
                    let labels = rule["labels"] as? [String: Any] ?? [:]
                    guard labels["severity"] as? String == severity else { continue }
                    return Rule(alert: name, severity: severity, service: labels["service"] as? String ?? "",
                                annotations: (rule["annotations"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String })
                }
            }
        }
        return nil
    }

    /// The messages aiosmtpd delivered, with quoted-printable soft line breaks and escapes decoded.
    static func messages(in mailbox: URL) -> [String] {
        let folder = mailbox.appendingPathComponent("new")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.map { raw in
            var text = raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
            for (escape, character) in [("=3D", "="), ("=20", " "), ("=E2=80=99", "’")] {
                text = text.replacingOccurrences(of: escape, with: character)
            }
            return text
        }
    }
}
