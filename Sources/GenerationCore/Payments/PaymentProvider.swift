/// A charge sent to a payment provider.
public struct ChargeRequest: Sendable, Equatable {
    /// Our payment id, sent as the provider-side idempotency reference: charging twice with it charges once.
    public var reference: String
    public var amountMinor: Int64
    public var currency: Currency
    public var cardToken: String

    public init(reference: String, amountMinor: Int64, currency: Currency, cardToken: String) {
        self.reference = reference
        self.amountMinor = amountMinor
        self.currency = currency
        self.cardToken = cardToken
    }
}

/// The provider's answer to a charge.
public enum ChargeResult: Sendable, Equatable {
    case approved(providerReference: String)
    /// The card was refused; the reason is safe to show to the user.
    case declined(reason: String)
}

/// The provider could not give an answer (outage, 5xx). Timeouts are enforced by ``PaymentService``.
public struct PaymentProviderError: Error, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// What the provider knows of a charge, asked by its reference after the answer to it was lost.
public enum ChargeLookup: Sendable, Equatable {
    case approved(providerReference: String)
    case declined(reason: String)
    /// No charge with that reference: it never happened, and (the reference being the provider's idempotency key) a
    /// later charge with it would be a new one.
    case notFound
}

/// A card payment provider. Implementations must treat ``ChargeRequest/reference`` as an idempotency key.
public protocol PaymentProvider: Sendable {
    /// Charges the card. Throws ``PaymentProviderError`` when the provider fails; may hang (the caller times out).
    func charge(_ request: ChargeRequest) async throws -> ChargeResult
    /// What became of the charge made with `reference`, for payments whose answer was lost (a timeout, a crash).
    /// Throws when the provider cannot tell now; the caller asks again later.
    func lookup(reference: String) async throws -> ChargeLookup
}
