import Foundation
import LookoutSLA
import Testing
import TestSupport

/// Two API replicas, each counting only its own traffic, and a real Prometheus loading the shipped recording rules:
/// `/sla/status` on either replica reports both replicas' events, says so (`source: prometheus`), and falls back to its
/// own figures, saying why, when Prometheus is gone.
@Suite(.serialized, .integration("the built backend", "prometheus")) struct SLAPrometheusSourceTests {
    static let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/prometheus/rules/lookout-slo.rules.yml")
        .standardized

    @Test func theStatusSumsEveryReplicaThroughPrometheusAndSaysWhichSourceItUsed() async throws {
        let directory = try ServiceProcess.temporaryDirectory("sla-prometheus")
        // Prometheus first (the replicas are told its address), then the replicas, then the scrape configuration.
        func configuration(targets: [String]) -> String {
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: ["\(Self.rules.path)"]
            scrape_configs:
              - job_name: lookout-api
                static_configs:
                  - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]
            """
        }
        let prometheus = try await RealPrometheus.start(directory: directory, configuration: configuration(targets: []))
        defer { prometheus.process.signal(SIGKILL) }
        func replica(_ name: String) throws -> ServiceProcess {
            let data = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            return try ServiceProcess("backend", environment: ServiceProcess.environment(directory: data, ["LOOKOUT_SLA_PROMETHEUS_URL": prometheus.url]))
        }
        let first = try replica("a")
        let second = try replica("b")
        let a = "127.0.0.1:\(try await first.waitForPort())"
        let b = "127.0.0.1:\(try await second.waitForPort())"
        try prometheus.reload(configuration(targets: [a, b]))
        let query = prometheus.query
        // Both replicas scraped a few times at zero before any traffic, so that increase() sees every event.
        #expect(try await eventually { (try await query(#"min(count_over_time(up{job="lookout-api"}[1m]))"#) ?? 0) >= 3 })
        #expect(try await query("count(up == 1)") == 2)

        // Replica a: register, sign in, 18 reads and 5 payments the provider fails (502): 25 requests, 20 good.
        let email = "replicas@example.com"
        _ = try await call(.POST, "http://\(a)/api/v1/users", body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        let token = try #require(try await call(.POST, "http://\(a)/api/v1/sessions", body: #"{"email":"\#(email)","password":"correct horse battery"}"#).json["token"] as? String)
        for _ in 0..<18 { #expect(try await call(.GET, "http://\(a)/api/v1/me", token: token).status == 200) }
        for index in 0..<5 {
            let payment = try await call(
                .POST, "http://\(a)/api/v1/payments", token: token, headers: [("Idempotency-Key", "replica-\(index)")],
                body: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_provider_error"}"#
            )
            #expect(payment.status == 502)
        }
        // Replica b: 15 requests, all good (404 is the client's mistake, not an outage).
        for _ in 0..<15 { #expect(try await call(.GET, "http://\(b)/api/v1/generations/nope", token: "x").status == 401) }

        // Prometheus has scraped every request once the counters sum to 40, and they hold exactly the 40 requests of
        // both replicas. Waited for first: increase() extrapolates, so the rule below can reach 40 a scrape earlier.
        let raw = #"sum(lookout_slo_events_total{objective="request_availability"})"#
        #expect(try await eventually { (try await query(raw) ?? 0) >= 40 })
        #expect(try await query(raw) == 40)
        // 40 events, 35 good, once Prometheus has also evaluated the rules.
        let summed = try await eventually {
            (try await query(#"lookout:slo_events:increase1h{objective="request_availability"}"#) ?? 0) >= 40
        }
        #expect(summed, "the recording rule sums both replicas")

        // The replica's report follows once its query sees the same sums (its answer may be a second behind).
        var status = try await call(.GET, "http://\(a)/sla/status")
        #expect(try await eventually {
            status = try await call(.GET, "http://\(a)/sla/status")
            return (Self.hour("request_availability", status.json)?["total"] as? Int ?? 0) >= 40
        })
        #expect(status.json["source"] as? String == "prometheus", "\(status.text.prefix(300))")
        let hour = try #require(Self.hour("request_availability", status.json))
        let total = hour["total"] as? Int ?? 0
        let good = hour["good"] as? Int ?? 0
        // increase() extrapolates past the samples it has, by how far depends on when the scrapes fell (the machine's
        // pace), so the count is bounded, not exact: not before the first sample (the counters started at 0), and at
        // most 1.1 scrape intervals after the last, with at least three samples (two intervals) in the window, waited
        // for above: at most 55 % more. The ratio, not the count, is what it preserves.
        #expect((40...62).contains(total), "both replicas' 40 requests, got \(total)")
        #expect(abs(Double(good) / Double(max(total, 1)) - 35.0 / 40.0) < 0.03, "35 of 40 good, got \(good) of \(total)")

        // Prometheus gone: the replica answers from its own database and says why, once the report it computed from
        // Prometheus has aged out of its cache (LOOKOUT_STATUS_CACHE_SECONDS, 5 s by default).
        try await prometheus.stop()
        var local = try await call(.GET, "http://\(a)/sla/status")
        #expect(try await eventually {
            local = try await call(.GET, "http://\(a)/sla/status")
            return local.json["source"] as? String == "local"
        })
        #expect(local.json["source_error"] as? String == SLAStatusSource.sharedSourceFailed, "a fixed sentence: no host or port in public JSON")
        let own = try #require(Self.hour("request_availability", local.json))
        #expect(own["total"] as? Int == 25, "replica a's own requests")
        #expect(own["good"] as? Int == 20)

        for process in [first, second] {
            process.signal(SIGTERM)
            #expect(try await process.waitForExit() == 0)
        }
    }

    static func hour(_ objective: String, _ json: [String: Any]) -> [String: Any]? {
        let objectives = json["objectives"] as? [[String: Any]]
        return (objectives?.first { $0["name"] as? String == objective }?["windows"] as? [[String: Any]])?.first
    }
}
