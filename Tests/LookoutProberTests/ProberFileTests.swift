import Foundation
import LookoutConfigFile
import LookoutProber
import Testing

/// The checks file: what a good one becomes, and how a bad one is reported (file, line, column, field).
@Suite struct ProberFileTests {
    @Test func aFullFileBecomesChecks() throws {
        let yaml = """
            base_url: https://api.example.com
            variables:
              email: probe@example.com
              password: ${PROBE_PASSWORD}
            defaults:
              interval: 15s
              timeout: 2s
              failures_to_confirm: 2
            checks:
              - name: health
                url: /health
                expect:
                  status: 200
                  json:
                    $.status: ok
                  max_latency: 500ms
              - name: login
                interval: 1m
                tls:
                  expiry_threshold: 21d
                steps:
                  - url: /api/v1/sessions
                    method: post
                    headers:
                      X-Probe: "yes"
                    body: '{"email":"{{email}}","password":"{{password}}"}'
                    expect:
                      status: [201, 2xx]
                    capture:
                      token: $.token
                  - url: https://api.example.com/api/v1/me
                    headers:
                      Authorization: Bearer {{token}}
                    expect:
                      body_contains: ["{{email}}"]
                      body_matches: '"credits":\\s*\\d+'
            """
        let file = try ProberFile.parse(yaml, file: "checks.yml", environment: ["PROBE_PASSWORD": "s3cret-password"])
        #expect(file.baseURL == URL(string: "https://api.example.com"))
        #expect(file.variables == ["email": "probe@example.com", "password": "s3cret-password"])
        #expect(file.includeDefaults)
        #expect(file.checks.map(\.name) == ["health", "login"])
        let health = file.checks[0]
        #expect(health.interval == .seconds(15))
        #expect(health.failuresToConfirm == 2)
        #expect(health.steps == [ProbeStep(url: "/health", timeout: .seconds(2), expect: .init(statuses: [200], body: [.jsonPath("$.status", equals: "ok")], maxLatency: .milliseconds(500)))])
        let login = file.checks[1]
        #expect(login.interval == .seconds(60))
        #expect(login.tls.expiryThreshold == .seconds(21 * 86_400))
        #expect(login.steps.count == 2)
        #expect(login.steps[0].method == "POST")
        #expect(login.steps[0].expect.statuses == Set(200...299))
        #expect(login.steps[0].capture == ["token": "$.token"])
        #expect(login.steps[1].headers.first?.value == "Bearer {{token}}")
        #expect(login.steps[1].expect.body == [.contains("{{email}}"), .matches(#""credits":\s*\d+"#)])
        #expect(file.checksUsingPaths == ["health", "login"])
    }

    /// Each bad file names the line and column of the offending value and the field's path.
    @Test(arguments: [
        ("checks:\n  - name: a\n    url: /x\n    expect:\n      statuz: 200\n", 5, 7, "checks[0].expect.statuz", "did you mean status?"),
        ("checks:\n  - name: a\n    url: /x\n    expect:\n      status: 700\n", 5, 15, "checks[0].expect.status", "100-599"),
        ("checks:\n  - name: a\n    url: /x\n    interval: soon\n", 4, 15, "checks[0].interval", "duration such as"),
        ("checks:\n  - name: a\n    method: GET\n", 2, 5, "checks[0].url", "is missing"),
        ("checks:\n  - name: a\n    url: /x\n  - name: a\n    url: /y\n", 4, 5, "checks[1].name", "already the name of the check on line 2"),
        ("checks:\n  - name: a\n    url: /me\n    headers:\n      Authorization: Bearer {{token}}\n", 5, 22, "checks[0].headers.Authorization", "{{token}}"),
        ("checks:\n  - name: a\n    url: ftp://x/y\n", 3, 10, "checks[0].url", "http:// or https://"),
        ("checks:\n  - name: a\n    url: /x\n    timeout: 10s\n    interval: 5s\n", 5, 15, "checks[0].timeout", "longer than the interval"),
        ("checks:\n  - name: a\n    url: /x\n    expect:\n      json:\n        status: ok\n", 6, 9, "checks[0].expect.json", "must start with $"),
        ("checks:\n  - name: a\n    url: /x\n    expect:\n      body_matches: '(unclosed'\n", 5, 21, "checks[0].expect.body_matches", "regular expression"),
        ("variables:\n  secret: ${NOT_SET_ANYWHERE}\nchecks: []\n", 2, 11, "variables.secret", "NOT_SET_ANYWHERE is not set"),
        ("checks:\n  - name: has space\n    url: /x\n", 2, 11, "checks[0].name", "metric label"),
        ("include_defaults: false\nchecks: []\n", 2, 1, "checks", "nothing would be probed"),
        ("checks:\n  - name: a\n    url: /x\n    steps:\n      - url: /y\n", 3, 5, "checks[0].url", "either steps or"),
    ])
    func aBadFileNamesTheLineAndField(yaml: String, line: Int, column: Int, field: String, message: String) {
        do {
            _ = try ProberFile.parse(yaml, file: "checks.yml")
            Issue.record("expected an error for \(field)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("checks.yml:\(line):\(column): \(field): "), "\(error)")
        }
    }

    @Test func invalidYAMLIsReportedWithItsPlace() {
        do {
            _ = try ProberFile.parse("checks:\n  - name: a\n   url: [unclosed\n", file: "bad.yml")
            Issue.record("expected a YAML error")
        } catch {
            #expect(error.line >= 2, "\(error)")
            #expect(error.description.hasPrefix("bad.yml:"), "\(error)")
            #expect(error.message.contains("not valid YAML"), "\(error)")
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: ConfigFileError.self) { try ProberFile.load(path: "/nonexistent/checks.yml") }
    }
}

/// The checks file the repository ships for deployments is valid.
@Suite struct ShippedChecksFileTests {
    @Test func deployProberChecksIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/prober/checks.yml").standardized.path
        let file = try ProberFile.load(path: path, environment: [:])
        #expect(file.checks.map(\.name) == ["health_latency", "dependencies"])
        #expect(file.includeDefaults)
    }
}
