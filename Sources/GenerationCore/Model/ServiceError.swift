import LookoutBacktrace

/// An error the service reports to its caller: a stable code and a message a user can act on.
///
/// The HTTP adapter maps each ``Code`` to a status and an RFC 9457 problem type; the core knows no HTTP.
public struct ServiceError: Error, BacktraceCarrying, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// The request could not be parsed: malformed JSON, a wrong type, a missing field.
        case malformedRequest = "malformed-request"
        /// The request parsed but a value is not allowed (too short, unknown currency, …).
        case validationFailed = "validation-failed"
        /// Storage's answer to a second account for one address; the API does not pass it on (registration answers
        /// the same either way, so that it does not reveal who has an account).
        case emailTaken = "email-taken"
        case invalidCredentials = "invalid-credentials"
        case unauthorized = "unauthorized"
        case notFound = "not-found"
        case insufficientCredits = "insufficient-credits"
        case idempotencyKeyRequired = "idempotency-key-required"
        case idempotencyKeyReused = "idempotency-key-reused"
        case idempotencyInProgress = "idempotency-in-progress"
        case paymentDeclined = "payment-declined"
        case paymentProviderError = "payment-provider-error"
        case paymentProviderTimeout = "payment-provider-timeout"
        /// Too many requests from this client or against this account; `retry_after_seconds` says when to try again.
        case rateLimited = "rate-limited"
        /// The server has too much of this work queued (password hashing); `retry_after_seconds` says when to try again.
        case overloaded = "overloaded"

        /// The service's or a dependency's fault rather than the caller's (the API answers 5xx): such errors are
        /// reported, so only they record where they were made.
        public var isServerFault: Bool {
            switch self {
            case .paymentProviderError, .paymentProviderTimeout, .overloaded: true
            default: false
            }
        }
    }

    /// A typed extra member of the problem (RFC 9457 extension member).
    public enum Detail: Sendable, Equatable {
        case string(String)
        case int(Int64)
    }

    public var code: Code
    public var message: String
    /// Extra facts for the client, e.g. the balance that was too low.
    public var details: [String: Detail]
    /// Where the error was made, for error reports (a few microseconds; not part of equality). Taken only for
    /// ``Code/isServerFault`` codes: a 4xx is the caller's doing and never reported, and `authenticate` makes one per
    /// request that fails to sign in.
    public var backtrace: CapturedBacktrace?

    public init(_ code: Code, _ message: String, details: [String: Detail] = [:]) {
        self.code = code
        self.message = message
        self.details = details
        self.backtrace = code.isServerFault ? CapturedBacktrace.here(skipping: 1) : nil
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A ``Code/rateLimited`` or ``Code/overloaded`` error that says when to come back.
    public static func retryLater(_ code: Code, _ message: String, after seconds: Int) -> ServiceError {
        ServiceError(code, message, details: ["retry_after_seconds": .int(Int64(seconds))])
    }

    /// The `retry_after_seconds` detail, when there is one.
    public var retryAfterSeconds: Int? {
        if case .int(let seconds) = details["retry_after_seconds"] { Int(seconds) } else { nil }
    }
}
