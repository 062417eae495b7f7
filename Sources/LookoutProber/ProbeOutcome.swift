import Foundation

/// Why a probe failed. The raw values are the `reason` label of `lookout_probe_failures_total`: a closed set.
public enum ProbeFailureReason: String, Sendable, CaseIterable, Codable {
    /// The host name did not resolve.
    case resolve
    /// The TCP connection was refused or could not be made.
    case connect
    /// The TLS handshake failed (untrusted or invalid certificate, protocol error).
    case tls
    /// No complete answer within the step's timeout.
    case timeout
    /// The answer's status code is not one of the expected ones.
    case status
    /// A body assertion failed, or a value to capture was missing.
    case body
    /// The answer was correct but slower than the step's maximum latency.
    case latency
    /// The server's certificate expires within the check's threshold.
    case certificateExpiry = "certificate_expiry"
    /// The answer was not valid HTTP, or the step's URL or variables could not be resolved.
    case invalid
}

/// A request phase, as blackbox_exporter names them in `probe_http_duration_seconds{phase}`.
public enum ProbePhase: String, Sendable, CaseIterable, Codable {
    case resolve, connect, tls, processing, transfer
}

/// The result of one run of a check.
public struct ProbeOutcome: Sendable, Equatable {
    public var check: String
    /// When the run started (wall-clock time).
    public var startedAt: Date
    /// Time for all the steps, in seconds.
    public var duration: Double
    /// Nil when the check succeeded.
    public var failure: ProbeFailureReason?
    /// What went wrong, in words an operator can act on ("expected status 200, got 503 at step 2").
    public var detail: String
    /// The last status code received (0 when no answer came).
    public var statusCode: Int
    /// Phase durations summed over the steps, in seconds; phases that did not happen are absent.
    public var phases: [ProbePhase: Double]
    /// The earliest `notAfter` among the certificates seen (HTTPS only).
    public var certificateExpiry: Date?

    public var success: Bool { failure == nil }

    public init(
        check: String, startedAt: Date, duration: Double, failure: ProbeFailureReason?, detail: String, statusCode: Int,
        phases: [ProbePhase: Double] = [:], certificateExpiry: Date? = nil
    ) {
        self.check = check
        self.startedAt = startedAt
        self.duration = duration
        self.failure = failure
        self.detail = detail
        self.statusCode = statusCode
        self.phases = phases
        self.certificateExpiry = certificateExpiry
    }
}
