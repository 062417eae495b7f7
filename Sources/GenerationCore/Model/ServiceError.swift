/// An error the service reports to its caller: a stable code and a message a user can act on.
///
/// The HTTP adapter maps each ``Code`` to a status and an RFC 9457 problem type; the core knows no HTTP.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// The request could not be parsed: malformed JSON, a wrong type, a missing field.
        case malformedRequest = "malformed-request"
        /// The request parsed but a value is not allowed (too short, unknown currency, …).
        case validationFailed = "validation-failed"
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

    public init(_ code: Code, _ message: String, details: [String: Detail] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
