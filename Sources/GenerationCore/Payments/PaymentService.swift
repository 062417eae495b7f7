import Foundation

/// Buys credits, exactly once per idempotency key.
///
/// 1. ``PaymentStore/beginPayment(_:)`` inserts a pending payment, or finds the one with the same key.
/// 2. Only the caller that created it charges the provider, with a timeout.
/// 3. The answer is stored; an approval adds the credits in the same transaction. No answer (a timeout, a broken
///    connection) is stored as `unknown`: the card may have been charged. ``reconcile(_:)`` (run by
///    ``PaymentReconciler``) asks the provider later, by the same reference, and settles it.
/// A concurrent retry with the same key waits for the first to settle and returns the same payment. The settlement is
/// written in a task of its own, so that a client hanging up cannot leave a charged payment unrecorded.
public struct PaymentService: Sendable {
    public struct Configuration: Sendable {
        /// How long the provider may take before the payment fails as timed out (HTTP 504). Default: 10 s.
        public var providerTimeout: Duration = .seconds(10)
        /// Largest amount accepted, in minor units. Default: 1 000 000 (10 000.00 in a two-decimal currency).
        public var maximumAmountMinor: Int64 = 1_000_000
        /// How often a concurrent retry looks for the first request's outcome. Default: 50 ms.
        public var pendingPollInterval: Duration = .milliseconds(50)
        /// What credits cost per currency. Default: ``CreditPrices/defaults`` (100 credits for 1.00 EUR).
        public var prices = CreditPrices.defaults

        public init() {}
    }

    /// A validated purchase request.
    public struct Request: Sendable {
        public var amountMinor: Int64
        public var currency: String
        public var cardToken: String

        public init(amountMinor: Int64, currency: String, cardToken: String) {
            self.amountMinor = amountMinor
            self.currency = currency
            self.cardToken = cardToken
        }
    }

    /// The stored payment and whether this call created it (false: an idempotent replay).
    public struct Outcome: Sendable {
        public var payment: Payment
        public var created: Bool
    }

    private let store: any PaymentStore
    private let provider: any PaymentProvider
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let observer: any ServiceObserver

    public init(
        store: any PaymentStore, provider: any PaymentProvider, configuration: Configuration = .init(),
        observer: any ServiceObserver = NoServiceObserver(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.observer = observer
        self.provider = provider
        self.configuration = configuration
        self.now = now
    }

    /// Creates (or replays) a payment. An approved payment is returned; a declined or failed one is thrown as a
    /// ``ServiceError`` carrying `payment_id`, on the first call and on every replay alike.
    public func pay(userID: String, idempotencyKey: String?, request: Request) async throws -> Outcome {
        let key = try Self.validIdempotencyKey(idempotencyKey)
        guard let currency = Currency(rawValue: request.currency.uppercased()) else {
            let allowed = Currency.allCases.map(\.rawValue).joined(separator: ", ")
            throw ServiceError(.validationFailed, "currency must be one of \(allowed)")
        }
        guard request.amountMinor >= 1, request.amountMinor <= configuration.maximumAmountMinor else {
            throw ServiceError(.validationFailed, "amount_minor must be between 1 and \(configuration.maximumAmountMinor)")
        }
        let credits = configuration.prices.credits(forMinorAmount: request.amountMinor, in: currency)
        guard credits >= 1 else {
            let minimum = configuration.prices.minimumAmount(in: currency)
            throw ServiceError(
                .validationFailed, "amount_minor \(request.amountMinor) buys no credit in \(currency.rawValue); the least is \(minimum)",
                details: ["minimum_amount_minor": .int(minimum)]
            )
        }
        guard !request.cardToken.isEmpty, request.cardToken.count <= 128 else {
            throw ServiceError(.validationFailed, "card_token must be 1 to 128 characters")
        }
        let fingerprint = SecureBytes.hex(
            SecureBytes.sha256(Array("\(request.amountMinor)|\(currency.rawValue)|\(request.cardToken)".utf8))
        )
        let timestamp = now()
        let draft = Payment(
            id: Identifier.make(prefix: "pay"), userID: userID, idempotencyKey: key, requestFingerprint: fingerprint,
            amountMinor: request.amountMinor, currency: currency, credits: credits,
            status: .pending, createdAt: timestamp, updatedAt: timestamp
        )
        switch try await store.beginPayment(draft) {
        case .existing(let payment):
            let settled = try await waitUntilSettled(payment)
            return Outcome(payment: try Self.throwIfUnsuccessful(settled), created: false)
        case .created(let payment):
            let settlement = await charge(payment, cardToken: request.cardToken)
            let store = self.store
            let now = self.now
            let settled = try await shielded { try await store.settlePayment(id: payment.id, settlement, now: now()) }
            observer.paymentSettled(settled)
            return Outcome(payment: try Self.throwIfUnsuccessful(settled), created: true)
        }
    }

    public func payment(id: String, userID: String) async throws -> Payment {
        guard let payment = try await store.payment(id: id, userID: userID) else {
            throw ServiceError(.notFound, "no payment \(id) for this user")
        }
        return payment
    }

    /// Asks the provider what became of an open payment (`unknown`, or `pending` past its request's lifetime) and
    /// settles it: approved (credits added once), declined, or failed when the provider has no record of it. Returns
    /// the payment as stored afterwards; throws when the provider cannot tell now (it stays open for the next round).
    public func reconcile(_ payment: Payment) async throws -> Payment {
        let provider = self.provider
        let timeout = configuration.providerTimeout
        let answer: ChargeLookup = try await withThrowingTaskGroup(of: ChargeLookup?.self) { group in
            group.addTask { try await provider.lookup(reference: payment.id) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw PaymentProviderError(reason: "the provider did not answer the lookup within \(timeout)") }
            return first
        }
        let settlement: PaymentSettlement
        switch answer {
        case .approved(let reference): settlement = .approved(providerReference: reference)
        case .declined(let reason): settlement = .declined(reason: reason)
        case .notFound: settlement = .failed(reason: "the provider has no record of this charge", timedOut: payment.timedOut)
        }
        let store = self.store
        let now = self.now
        let settled = try await shielded { try await store.settlePayment(id: payment.id, settlement, now: now()) }
        if settled.status != payment.status { observer.paymentSettled(settled) }
        return settled
    }

    private func charge(_ payment: Payment, cardToken: String) async -> PaymentSettlement {
        let request = ChargeRequest(reference: payment.id, amountMinor: payment.amountMinor, currency: payment.currency, cardToken: cardToken)
        let provider = self.provider
        let timeout = configuration.providerTimeout
        return await withTaskGroup(of: PaymentSettlement?.self) { group in
            group.addTask {
                do {
                    switch try await provider.charge(request) {
                    case .approved(let reference): return .approved(providerReference: reference)
                    case .declined(let reason): return .declined(reason: reason)
                    }
                } catch let error as PaymentProviderError {
                    return .failed(reason: error.reason, timedOut: false)
                } catch {
                    // The call broke before an answer came back: the charge may have gone through.
                    return Task.isCancelled ? nil : .unknown(reason: "provider call failed: \(error)", timedOut: false)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .unknown(reason: "provider did not answer within \(timeout)", timedOut: true)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .unknown(reason: "payment was cancelled during the provider call", timedOut: false)
        }
    }

    /// A replay that arrives while the first request is still talking to the provider waits for its outcome.
    private func waitUntilSettled(_ payment: Payment) async throws -> Payment {
        var current = payment
        let deadline = ContinuousClock.now + configuration.providerTimeout + .seconds(2)
        while current.status == .pending {
            guard ContinuousClock.now < deadline else {
                throw ServiceError(
                    .idempotencyInProgress, "a payment with this Idempotency-Key is still being processed; retry later",
                    details: ["payment_id": .string(current.id)]
                )
            }
            try await Task.sleep(for: configuration.pendingPollInterval)
            guard let refreshed = try await store.payment(id: current.id, userID: current.userID) else { break }
            current = refreshed
        }
        return current
    }

    private static func throwIfUnsuccessful(_ payment: Payment) throws -> Payment {
        let details: [String: ServiceError.Detail] = ["payment_id": .string(payment.id)]
        switch payment.status {
        case .approved, .pending:
            return payment
        case .declined:
            throw ServiceError(.paymentDeclined, "the card was declined: \(payment.failureReason ?? "no reason given")", details: details)
        case .unknown where payment.timedOut:
            throw ServiceError(
                .paymentProviderTimeout,
                "the payment provider did not answer in time; the outcome is being confirmed with the provider: GET /api/v1/payments/\(payment.id) (retry with the same Idempotency-Key, never a new one)",
                details: details
            )
        case .unknown:
            throw ServiceError(
                .paymentProviderError,
                "the call to the payment provider broke off; the outcome is being confirmed with the provider: GET /api/v1/payments/\(payment.id) (retry with the same Idempotency-Key, never a new one)",
                details: details
            )
        case .failed where payment.timedOut:
            throw ServiceError(.paymentProviderTimeout, "the payment provider did not answer in time and has no record of the charge; no credits were added", details: details)
        case .failed:
            throw ServiceError(.paymentProviderError, "the payment provider failed: \(payment.failureReason ?? "unknown"); no credits were added", details: details)
        }
    }

    static func validIdempotencyKey(_ key: String?) throws -> String {
        guard let key, !key.isEmpty else {
            throw ServiceError(.idempotencyKeyRequired, "POST /payments needs an Idempotency-Key header (any unique string up to 255 characters, e.g. a UUID)")
        }
        return try IdempotencyKey.validated(key)
    }
}
