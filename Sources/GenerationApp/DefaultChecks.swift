import Foundation
import LookoutProber

/// The checks the reference service gets without a checks file (they know its API, so they live here, not in the
/// reusable LookoutProber library): its health endpoints, its API description, and one
/// authenticated round trip through the API (register the probe account if needed, sign in, read it back).
///
/// Every URL is a path, resolved against the base URL; the round trip uses the variables `probe_email` and
/// `probe_password` (see ``ProbeAccount``).
public enum DefaultChecks {
    public static func all(interval: Duration = .seconds(30), timeout: Duration = .seconds(5), failuresToConfirm: Int = 3) -> [ProbeCheck] {
        func check(_ name: String, _ steps: [ProbeStep]) -> ProbeCheck {
            ProbeCheck(name: name, steps: steps.map { var step = $0; step.timeout = timeout; return step }, interval: interval, failuresToConfirm: failuresToConfirm)
        }
        let credentials = #"{"email":"{{probe_email}}","password":"{{probe_password}}"}"#
        return [
            check("health", [ProbeStep(url: "/health", expect: .init(statuses: [200], body: [.jsonPath("$.status", equals: "ok")]))]),
            check("ready", [ProbeStep(url: "/health/ready", expect: .init(statuses: [200], body: [.jsonPath("$.status", equals: "ready")]))]),
            check("docs", [ProbeStep(url: "/docs", expect: .init(statuses: [200], body: [.contains("<html")]))]),
            check("openapi", [ProbeStep(url: "/openapi.json", expect: .init(statuses: [200], body: [.matches(#""openapi"\s*:\s*"3\."#)]))]),
            check(
                "api_round_trip",
                [
                    ProbeStep(url: "/api/v1/users", method: "POST", body: credentials, expect: .init(statuses: [202])),
                    ProbeStep(url: "/api/v1/sessions", method: "POST", body: credentials, expect: .init(statuses: [201]), capture: ["token": "$.token"]),
                    ProbeStep(
                        url: "/api/v1/me", headers: [("Authorization", "Bearer {{token}}")],
                        expect: .init(statuses: [200], body: [.jsonPath("$.email", equals: "{{probe_email}}")])
                    ),
                ]
            ),
        ]
    }
}

/// The account the round-trip check signs in with.
///
/// Configure a fixed one (`LOOKOUT_PROBER_ACCOUNT_EMAIL`, `LOOKOUT_PROBER_ACCOUNT_PASSWORD`) to reuse one account across
/// restarts; otherwise each process makes up its own (`prober-<random>@lookout.invalid`), registered by its first run.
public struct ProbeAccount: Sendable {
    public var email: String
    public var password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }

    public static func random() -> ProbeAccount {
        var generator = SystemRandomNumberGenerator()
        let id = String(generator.next() as UInt64, radix: 16)
        let password = (0..<3).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
        return ProbeAccount(email: "prober-\(id)@lookout.invalid", password: password)
    }

    public var variables: [String: String] { ["probe_email": email, "probe_password": password] }
}
