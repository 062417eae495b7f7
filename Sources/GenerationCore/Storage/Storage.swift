import Foundation

/// Everything the service persists, as atomic business operations.
///
/// Each method is one transaction. The protocols are shaped so that a PostgreSQL implementation can follow the SQLite one
/// without any caller changing: no SQL, no connection or transaction types leak out.
public typealias Storage = AccountStore & PaymentStore & GenerationStore & JobQueue & RetentionStore & StorageHealthCheck

public protocol AccountStore: Sendable {
    /// Inserts a user with zero credits. Throws ``ServiceError/Code/emailTaken`` when the (normalised) email exists.
    func createUser(id: String, email: String, passwordHash: String, now: Date) async throws -> User
    func credentials(email: String) async throws -> UserCredentials?
    func user(id: String) async throws -> User?
    /// Stores a new session; when the user then holds more than `limit` live sessions, the oldest are deleted.
    /// Returns the selectors deleted that way (for the caller's cache).
    func createSession(_ session: Session, now: Date, keepingAtMost limit: Int) async throws -> [String]
    /// The session with that selector, if it has not expired at `now`.
    func session(selector: String, now: Date) async throws -> Session?
    /// Deletes one session; false when there was none.
    func deleteSession(selector: String) async throws -> Bool
    /// Deletes every session of a user; returns their selectors.
    func deleteSessions(userID: String) async throws -> [String]
    /// Replaces a user's password hash (a login found it made with fewer rounds than configured now).
    func updatePasswordHash(userID: String, passwordHash: String) async throws
}

/// The first step of an idempotent payment.
public enum PaymentBeginning: Sendable, Equatable {
    /// A new pending payment: the caller must now charge the provider and settle it.
    case created(Payment)
    /// A payment with this idempotency key exists already (in any state) and its request matches.
    case existing(Payment)
}

/// How a provider call ended, to be stored on the payment.
public enum PaymentSettlement: Sendable, Equatable {
    case approved(providerReference: String)
    case declined(reason: String)
    /// The provider answered with a failure, or had no record of the charge.
    case failed(reason: String, timedOut: Bool)
    /// No answer: the outcome is not known yet (only from `pending`).
    case unknown(reason: String, timedOut: Bool)
}

public protocol PaymentStore: Sendable {
    /// Inserts a pending payment, or returns the one stored under the same user and idempotency key.
    /// Throws ``ServiceError/Code/idempotencyKeyReused`` if that one was made with a different request.
    /// Safe under concurrent calls with the same key: exactly one caller gets `.created`.
    func beginPayment(_ payment: Payment) async throws -> PaymentBeginning
    /// Records the provider's answer. Approval adds the credits in the same transaction. A final answer settles a
    /// `pending` or `unknown` payment; `unknown` only a `pending` one. Settling a payment that can no longer take that
    /// answer changes nothing and returns it as stored, so concurrent settlements add the credits once.
    func settlePayment(id: String, _ settlement: PaymentSettlement, now: Date) async throws -> Payment
    /// Payments to ask the provider about: `unknown` ones, and `pending` ones created before `pendingBefore` (their
    /// request died between storing the payment and recording the answer). Oldest first.
    func openPayments(pendingBefore: Date, limit: Int) async throws -> [Payment]
    func payment(id: String, userID: String) async throws -> Payment?
    func payment(userID: String, idempotencyKey: String) async throws -> Payment?
}

/// A submission's `Idempotency-Key` and the fingerprint of the request it was first sent with.
public struct GenerationIdempotency: Sendable, Equatable {
    public var key: String
    public var fingerprint: String

    public init(key: String, fingerprint: String) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

extension GenerationStore {
    /// A submission without an idempotency key.
    public func submitGeneration(_ generation: Generation, maxAttempts: Int, traceHeaders: [String: String], now: Date) async throws -> Generation {
        try await submitGeneration(generation, maxAttempts: maxAttempts, traceHeaders: traceHeaders, idempotency: nil, now: now).generation
    }
}

public protocol GenerationStore: Sendable {
    /// Debits the credits, inserts the generation and enqueues its job, in one transaction.
    /// Throws ``ServiceError/Code/insufficientCredits`` (with `balance` and `cost`) when the balance is short.
    ///
    /// With `idempotency`, a generation the user submitted under the same key is returned instead (`created` false,
    /// nothing debited), or ``ServiceError/Code/idempotencyKeyReused`` is thrown when it was a different request.
    func submitGeneration(
        _ generation: Generation, maxAttempts: Int, traceHeaders: [String: String], idempotency: GenerationIdempotency?, now: Date
    ) async throws -> (generation: Generation, created: Bool)
    func generation(id: String, userID: String) async throws -> Generation?
    /// The user's generations, newest first, optionally of one status, after `cursor` (exclusive).
    func generations(userID: String, status: GenerationStatus?, limit: Int, before cursor: Int64?) async throws -> [Generation]
}

/// What the storage tells about its own health, for `/health/ready`.
public struct StorageHealth: Sendable, Equatable {
    public var reachable: Bool
    public var migrationsApplied: Bool
    public var latestWorkerHeartbeat: Date?

    public init(reachable: Bool, migrationsApplied: Bool, latestWorkerHeartbeat: Date?) {
        self.reachable = reachable
        self.migrationsApplied = migrationsApplied
        self.latestWorkerHeartbeat = latestWorkerHeartbeat
    }
}

public protocol StorageHealthCheck: Sendable {
    /// Never throws: an unreachable database is reported as such.
    func health() async -> StorageHealth
}
