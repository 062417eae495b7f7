import Foundation
import LookoutStatusPage
import Testing
import TestSupport

/// The status page as a visitor sees it: rendered by a real browser (headless Chromium), showing the same figures as
/// `GET /sla/status`. The screenshots land in `.test-run/` for a human to look at.
@Suite(.serialized, .integration("the built backend", "chromium")) struct StatusPageProcessTests {
    static let outputDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.test-run").standardized

    @Test func aBrowserShowsTheChecksAndTheSameFiguresAsTheSLAStatus() async throws {
        let directory = try ServiceProcess.temporaryDirectory("status-page")
        // One run of each check at start (the next would be in an hour): the figures hold still while we compare.
        let backend = try ServiceProcess(
            "backend",
            environment: ServiceProcess.environment(directory: directory, ["LOOKOUT_PROBER_ENABLED": "true", "LOOKOUT_PROBER_INTERVAL_SECONDS": "3600"])
        )
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let checks = ["health", "ready", "docs", "openapi", "api_round_trip"]
        let checked = try await eventually {
            let scraped = try ScrapedMetrics(try await call(.GET, "\(base)/metrics").text)
            return checks.allSatisfy { scraped.value("lookout_probe_runs_total", ["check": $0]) == 1 }
        }
        #expect(checked, "the first run of every check finished")
        // Some user traffic, one request of it failing at the payment provider (502).
        let email = "status-\(UUID().uuidString.prefix(8))@example.com"
        _ = try await call(.POST, "\(base)/api/v1/users", body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        let token = try #require(try await call(.POST, "\(base)/api/v1/sessions", body: #"{"email":"\#(email)","password":"correct horse battery"}"#).json["token"] as? String)
        let failed = try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "status-page-1")],
            body: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_provider_error"}"#
        )
        #expect(failed.status == 502)

        let status = try await call(.GET, "\(base)/sla/status")
        let dom = try await Chromium.run(["--dump-dom", "\(base)/status"])
        try FileManager.default.createDirectory(at: Self.outputDirectory, withIntermediateDirectories: true)
        let desktop = Self.outputDirectory.appendingPathComponent("status-page.png")
        let phone = Self.outputDirectory.appendingPathComponent("status-page-phone.png")
        _ = try await Chromium.run(["--screenshot=\(desktop.path)", "--window-size=1280,2200", "\(base)/status"])
        _ = try await Chromium.run(["--screenshot=\(phone.path)", "--window-size=390,2400", "\(base)/status"])
        for file in [desktop, phone] {
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            #expect(size > 20_000, "\(file.lastPathComponent) is a real screenshot (\(size) bytes)")
        }

        // Every objective's figures, as the page shows them, against /sla/status formatted the same way.
        let objectives = try #require(status.json["objectives"] as? [[String: Any]])
        #expect(objectives.count == 4)
        for objective in objectives {
            let name = try #require(objective["name"] as? String)
            let windows = objective["windows"] as? [[String: Any]] ?? []
            func value(_ window: String) -> String {
                (windows.first { $0["window"] as? String == window }?["value"] as? Double).map(StatusPage.percent) ?? "—"
            }
            let budget = objective["error_budget"] as? [String: Any]
            let total30d = windows.first { $0["window"] as? String == "30d" }?["total"] as? Int ?? 0
            let expected: [String: String] = [
                "target": StatusPage.percent(objective["target"] as? Double ?? -1),
                "value_1d": value("1d"),
                "value_30d": value("30d"),
                "budget_remaining": total30d > 0 ? StatusPage.budget(budget?["remaining_ratio"] as? Double ?? -1) : "—",
                "state": (objective["state"] as? String ?? "").replacingOccurrences(of: "_", with: " "),
            ]
            for (field, text) in expected {
                #expect(Chromium.cell(dom, objective: name, field: field) == text, "\(name) \(field)")
            }
        }
        // The 502 shows: 3 requests (register, sign in, pay), 2 good.
        #expect(Chromium.cell(dom, objective: "error_rate", field: "value_1d") == StatusPage.percent(2.0 / 3.0), "\(status.text)")
        #expect(Chromium.cell(dom, objective: "availability", field: "value_1d") == StatusPage.percent(1), "5 probe runs, all good")
        // Every built-in check is listed as up, with its bars.
        for check in checks {
            #expect(dom.contains(#"data-check="\#(check)""#), "\(check) is listed")
        }
        #expect(!dom.contains(#"data-field="check-state">Down"#))
        #expect(dom.contains("All systems operational") || dom.contains("Degraded"), "the header states the overall state")

        // The HTML pages carry a Content-Security-Policy that allows exactly what they use: the browser reports no
        // violation (it logs each one on its console), so the pages render whole under it.
        for page in ["/status", "/docs"] {
            let headers = try await call(.GET, "\(base)\(page)").headers
            #expect(headers.first(name: "Content-Security-Policy")?.contains("default-src 'none'") == true, "\(page)")
            #expect(headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(headers.first(name: "Referrer-Policy") == "no-referrer")
            let console = try await Chromium.console("\(base)\(page)")
            #expect(!console.contains("Content Security Policy"), "\(page): \(console)")
        }
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }
}

/// Headless Chromium (Debian's `chromium`, installed by scripts/test.sh).
enum Chromium {
    static func run(_ arguments: [String]) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try await Subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=\(profile.path)"]
                + arguments,
            mergeStandardError: false, timeout: 90
        )
        try #require(result.status == 0, "chromium exited with \(result.status)")
        return result.output
    }

    /// What the page logs on the browser's console while it loads: Chromium writes every CSP violation there
    /// (`…:CONSOLE:…] "Executing inline script violates the following Content Security Policy directive…"`).
    static func console(_ url: String) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try await Subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)",
             "--enable-logging=stderr", "--v=0", "--dump-dom", url],
            mergeStandardError: true, timeout: 90
        )
        try #require(result.status == 0, "chromium exited with \(result.status)")
        return result.output.split(separator: "\n").filter { $0.contains(":CONSOLE") }.joined(separator: "\n")
    }

    /// The text of the SLA table cell for `objective` and `field`.
    static func cell(_ dom: String, objective: String, field: String) -> String? {
        let marker = #"data-objective="\#(objective)" data-field="\#(field)">"#
        guard let start = dom.range(of: marker) else { return nil }
        let rest = dom[start.upperBound...]
        guard let end = rest.range(of: "</td>") else { return nil }
        return String(rest[..<end.lowerBound]).replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "&nbsp;", with: " ").trimmingCharacters(in: .whitespaces)
    }
}
