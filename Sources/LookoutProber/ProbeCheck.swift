import Foundation

/// One synthetic check: one HTTP request (or several, in order), what a good answer looks like, and how often to ask.
///
/// A check succeeds when every step gets an expected status, passes its body assertions within `maxLatency`, and (for
/// HTTPS) the server's certificate is valid for longer than `tls.expiryThreshold`. One failed run is a failed probe; only
/// `failuresToConfirm` failures in a row mark the check "down" (an incident).
public struct ProbeCheck: Sendable, Equatable {
    /// The check's name: the `check` label of every probe metric, so keep it short and stable (`health`, `login`).
    public var name: String
    /// The requests, run in order; values captured from one step's JSON answer can be used by the next (`{{token}}`).
    public var steps: [ProbeStep]
    /// Time between two runs. Default 30 s.
    public var interval: Duration
    /// Consecutive failed runs that confirm the check is down. Default 3.
    public var failuresToConfirm: Int
    public var tls: TLSSettings

    public init(name: String, steps: [ProbeStep], interval: Duration = .seconds(30), failuresToConfirm: Int = 3, tls: TLSSettings = .init()) {
        self.name = name
        self.steps = steps
        self.interval = interval
        self.failuresToConfirm = failuresToConfirm
        self.tls = tls
    }

    /// A check with one GET request.
    public static func get(
        _ name: String, url: String, expect: ProbeExpectation = .init(), timeout: Duration = .seconds(5), interval: Duration = .seconds(30)
    ) -> ProbeCheck {
        ProbeCheck(name: name, steps: [ProbeStep(url: url, timeout: timeout, expect: expect)], interval: interval)
    }
}

/// One HTTP request of a check and what its answer must look like.
public struct ProbeStep: Sendable, Equatable {
    /// An absolute `http://` or `https://` URL, or a path (`/health`) resolved against the prober's base URL.
    /// May contain `{{variables}}` (see docs/sla.md, "Probe variables").
    public var url: String
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: String?
    /// The whole request (connect, TLS, send, receive) must finish within this. Default 5 s.
    public var timeout: Duration
    public var expect: ProbeExpectation
    /// Variables to take from this step's JSON answer, by JSON path: `["token": "$.token"]`.
    public var capture: [String: String]

    public init(
        url: String, method: String = "GET", headers: [(name: String, value: String)] = [], body: String? = nil,
        timeout: Duration = .seconds(5), expect: ProbeExpectation = .init(), capture: [String: String] = [:]
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.expect = expect
        self.capture = capture
    }

    public static func == (lhs: ProbeStep, rhs: ProbeStep) -> Bool {
        lhs.url == rhs.url && lhs.method == rhs.method && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 }) && lhs.body == rhs.body
            && lhs.timeout == rhs.timeout && lhs.expect == rhs.expect && lhs.capture == rhs.capture
    }
}

/// What a good answer looks like.
public struct ProbeExpectation: Sendable, Equatable {
    /// Accepted status codes. Default: 200-299. Redirects are not followed, so a 3xx must be listed to pass.
    public var statuses: Set<Int>
    public var body: [BodyAssertion]
    /// Slower answers fail with reason `latency`. Default: none.
    public var maxLatency: Duration?

    public init(statuses: Set<Int> = Set(200...299), body: [BodyAssertion] = [], maxLatency: Duration? = nil) {
        self.statuses = statuses
        self.body = body
        self.maxLatency = maxLatency
    }
}

/// A condition on the answer's body.
public enum BodyAssertion: Sendable, Equatable {
    /// The body contains this text.
    case contains(String)
    /// A regular expression matches somewhere in the body.
    case matches(String)
    /// The JSON body's value at the path (`$.status`, `$.checks.database.status`, `$.items[0].id`) equals this value,
    /// compared as text (`true`, `42`, `ok`).
    case jsonPath(String, equals: String)
}

/// TLS options for HTTPS checks.
public struct TLSSettings: Sendable, Equatable {
    /// A certificate valid for less than this fails the check with reason `certificate_expiry`. Default 14 days.
    public var expiryThreshold: Duration
    /// PEM file of extra trusted roots (for a private CA or a self-signed certificate). Default: the system's roots.
    public var caFile: String?
    /// Accept any certificate (the expiry is still read and checked). Default false.
    public var insecureSkipVerify: Bool

    public init(expiryThreshold: Duration = .seconds(14 * 86_400), caFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.expiryThreshold = expiryThreshold
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}
