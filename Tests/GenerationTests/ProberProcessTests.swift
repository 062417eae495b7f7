import Foundation
import Testing
import TestSupport

/// The prober as users run it: inside `backend` by default, and as the standalone `prober` executable.
@Suite(.serialized, .integration("the built backend and prober")) struct ProberProcessTests {
    @Test func theBackendProbesItselfAndCountsTheProbesTowardAvailability() async throws {
        let directory = try ServiceProcess.temporaryDirectory("prober-backend")
        let backend = try ServiceProcess(
            "backend",
            environment: ServiceProcess.environment(
                directory: directory, ["LOOKOUT_PROBER_ENABLED": "true", "LOOKOUT_PROBER_INTERVAL_SECONDS": "4", "LOOKOUT_PROBER_TIMEOUT_SECONDS": "4"]
            )
        )
        let port = try await backend.waitForPort()
        let base = "http://127.0.0.1:\(port)"
        let checks = ["health", "ready", "docs", "openapi", "api_round_trip"]
        // Two runs of every built-in check, all successful (the round trip registers its account on the first).
        let allPassedTwice = try await eventually {
            let scraped = try ScrapedMetrics(try await call(.GET, "\(base)/metrics").text)
            return checks.allSatisfy { check in
                scraped.value("probe_success", ["check": check]) == 1 && (scraped.value("lookout_probe_runs_total", ["check": check]) ?? 0) >= 2
            }
        }
        let scraped = try ScrapedMetrics(try await call(.GET, "\(base)/metrics").text)
        #expect(allPassedTwice, "probe metrics: \(scraped.series("probe_success"))")
        #expect(scraped.sum("lookout_probe_failures_total") == 0)
        #expect(scraped.value("probe_http_status_code", ["check": "api_round_trip"]) == 200)

        // The probes' own requests are not counted as user requests, but as probe-based availability.
        let status = try await call(.GET, "\(base)/sla/status")
        let objectives = try #require(status.json["objectives"] as? [[String: Any]])
        let availability = try #require(objectives.first { $0["name"] as? String == "availability" })
        let hour = try #require((availability["windows"] as? [[String: Any]])?.first)
        #expect((hour["total"] as? Int ?? 0) >= 10)
        #expect(hour["good"] as? Int == hour["total"] as? Int)
        let requests = try #require(objectives.first { $0["name"] as? String == "request_availability" })
        #expect(((requests["windows"] as? [[String: Any]])?.first?["total"] as? Int) == 0, "probe traffic is not user traffic")
        // It is known by the process's own secret, not by its User-Agent: a client claiming to be the prober is a user.
        let claimed = try await call(.GET, "\(base)/api/v1/me", headers: [("User-Agent", "Lookout-Prober/1"), ("X-Lookout-Probe", "a guess")])
        #expect(claimed.status == 401)
        let users = try ScrapedMetrics(try await call(.GET, "\(base)/metrics").text)
        #expect(users.value("http_requests_total", ["method": "GET", "route": "/api/v1/me", "status": "401"]) == 1)
        #expect(users.value("http_requests_total", ["method": "GET", "route": "/api/v1/me", "status": "200"]) == nil, "the round trip's own call")

        // The operator's view: every dependency up, the prober fresh.
        let detailed = try await call(.GET, "\(base)/health/detailed")
        #expect(detailed.status == 200)
        #expect(detailed.json["status"] as? String == "ok", "\(detailed.text)")
        let dependencies = try #require(detailed.json["dependencies"] as? [String: [String: Any]])
        #expect(dependencies["prober"]?["status"] as? String == "up")
        #expect((dependencies["prober"]?["last_run_age_seconds"] as? Double ?? 99) < 5)
        #expect(dependencies["worker"]?["status"] as? String == "up")
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }

    @Test func aBadChecksFileStopsStartUpNamingTheLineAndField() async throws {
        let directory = try ServiceProcess.temporaryDirectory("prober-badfile")
        let file = directory.appendingPathComponent("checks.yml")
        try "checks:\n  - name: api\n    url: /health\n    expect:\n      status: 99\n".write(to: file, atomically: true, encoding: .utf8)
        let backend = try ServiceProcess(
            "backend", environment: ServiceProcess.environment(directory: directory, ["LOOKOUT_PROBER_ENABLED": "true", "LOOKOUT_PROBER_CHECKS_FILE": file.path])
        )
        #expect(try await backend.waitForExit() == 2)
        #expect(backend.standardError.contains("\(file.path):5:15: checks[0].expect.status: must be a status code 100-599"), "\(backend.standardError)")

        let prober = try ServiceProcess("prober", arguments: ["check", file.path], environment: [:])
        #expect(try await prober.waitForExit() == 2)
        #expect(prober.standardError.contains("checks.yml:5:15"), "\(prober.standardError)")
    }

    @Test func theStandaloneProberChecksAServiceFromOutsideAndServesMetrics() async throws {
        let directory = try ServiceProcess.temporaryDirectory("prober-standalone")
        // The token both sides share (a Swarm secret in production), so that the API leaves the probes out of its
        // request metrics and SLOs.
        let token = ["LOOKOUT_PROBER_TOKEN": "standalone-probe-token-0123"]
        let backend = try ServiceProcess("backend", environment: ServiceProcess.environment(directory: directory, token))
        let port = try await backend.waitForPort()
        let file = directory.appendingPathComponent("checks.yml")
        try """
            include_defaults: false
            defaults:
              interval: 1s
              timeout: 1s
              failures_to_confirm: 2
            checks:
              - name: health
                url: /health
                expect:
                  json:
                    $.status: ok
              - name: missing
                url: /no-such-page
            """.write(to: file, atomically: true, encoding: .utf8)
        let check = try ServiceProcess("prober", arguments: ["check", file.path], environment: [:])
        #expect(try await check.waitForExit() == 0)
        #expect(check.lines.contains { $0.contains("valid; 2 check(s)") }, "\(check.lines)")

        let prober = try ServiceProcess(
            "prober",
            environment: [
                "LOOKOUT_PROBER_CHECKS_FILE": file.path, "LOOKOUT_PROBER_BASE_URL": "http://127.0.0.1:\(port)", "LOOKOUT_PROBER_METRICS_PORT": "0",
                "LOOKOUT_LOG_FORMAT": "json",
            ].merging(token) { $1 }
        )
        let metricsPort = try await prober.waitForPort("prober metrics server listening")
        let confirmed = try await prober.waitForLog("probe confirmed down")
        #expect(confirmed["check"] as? String == "missing")
        #expect(confirmed["reason"] as? String == "status")
        let scraped = try ScrapedMetrics(try await call(.GET, "http://127.0.0.1:\(metricsPort)/metrics").text)
        #expect(scraped.value("probe_success", ["check": "health"]) == 1)
        #expect(scraped.value("probe_success", ["check": "missing"]) == 0)
        #expect(scraped.value("probe_http_status_code", ["check": "missing"]) == 404)
        #expect(scraped.value("lookout_probe_up", ["check": "missing"]) == 0)
        #expect(scraped.value("lookout_probe_up", ["check": "health"]) == 1)
        // Every run is an event of the availability objective (the deployed API runs with its own prober off), and
        // only that objective is exported: the prober counts no requests.
        // (A scrape can fall between a run's two counters, so the test re-reads until one shows them settled.)
        var events = scraped
        #expect(try await eventually {
            events = try ScrapedMetrics(try await call(.GET, "http://127.0.0.1:\(metricsPort)/metrics").text)
            let runs = ["health", "missing"].compactMap { events.value("lookout_probe_runs_total", ["check": $0]) }.reduce(0, +)
            let passed = events.value("lookout_probe_runs_total", ["check": "health"]) ?? 0
            return runs > 0 && events.value("lookout_slo_events_total", ["objective": "availability"]) == runs
                && events.value("lookout_slo_good_events_total", ["objective": "availability"]) == passed
        }, "every run is an availability event, good when it passed")
        #expect(events.value("lookout_slo_events_total", ["objective": "error_rate"]) == nil)
        // The API did not count the probes (the missing page's 404s) as users' requests.
        let api = try ScrapedMetrics(try await call(.GET, "http://127.0.0.1:\(port)/metrics").text)
        #expect(api.series("http_requests_total").isEmpty, "\(api.series("http_requests_total"))")
        prober.signal(SIGTERM)
        #expect(try await prober.waitForExit() == 0)
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }
}
