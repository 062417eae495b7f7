import Foundation

public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    /// Accepted, the provider not yet answered.
    case pending
    /// Charged; the credits were added to the user's balance in the same transaction.
    case approved
    /// The provider refused the card. No credits.
    case declined
    /// The provider failed (it said so), or had no record of the charge when asked. No credits.
    case failed
    /// The provider did not answer (a timeout, a broken connection): the card may have been charged. The reconciler
    /// asks the provider and settles it as approved (credits added) or failed.
    case unknown

    /// Whether the payment can still change (pending or unknown).
    public var isOpen: Bool { self == .pending || self == .unknown }
}

/// A purchase of credits, unique per user and `Idempotency-Key`.
public struct Payment: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var idempotencyKey: String
    /// SHA-256 (hex) of the request's amount, currency and card token: a replay with another body is refused.
    public var requestFingerprint: String
    public var amountMinor: Int64
    public var currency: Currency
    public var credits: Int64
    public var status: PaymentStatus
    /// Why the provider declined or failed, if it did.
    public var failureReason: String?
    /// Whether the provider call timed out (the payment went `unknown` and was reconciled afterwards).
    public var timedOut: Bool
    public var providerReference: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, userID: String, idempotencyKey: String, requestFingerprint: String, amountMinor: Int64,
        currency: Currency, credits: Int64, status: PaymentStatus, failureReason: String? = nil, timedOut: Bool = false,
        providerReference: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.idempotencyKey = idempotencyKey
        self.requestFingerprint = requestFingerprint
        self.amountMinor = amountMinor
        self.currency = currency
        self.credits = credits
        self.status = status
        self.failureReason = failureReason
        self.timedOut = timedOut
        self.providerReference = providerReference
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
