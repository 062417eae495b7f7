import Crypto
import _CryptoExtras
import Foundation
import NIOPosix
import Synchronization

/// Hashes passwords with PBKDF2-HMAC-SHA256 and a random 16-byte salt.
///
/// Stored form: `pbkdf2-sha256$<rounds>$<salt base64url>$<hash base64url>`, so the round count can be raised later
/// without invalidating existing hashes. The work runs on NIO's blocking thread pool, never on the request's executor.
///
/// Each hash costs about a tenth of a CPU-second, so the work admitted at once is bounded (``maxPending``): past it,
/// ``hash(_:)`` and ``verify(_:against:)`` throw ``ServiceError/Code/overloaded`` at once instead of queueing
/// requests that would time out anyway.
public struct PasswordHasher: Sendable {
    /// The least rounds swift-crypto accepts for PBKDF2 (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
    public static let minimumRounds = 210_000

    public let rounds: Int
    /// Hashes running or waiting at most; one more is refused with ``ServiceError/Code/overloaded``.
    public let maxPending: Int
    private let threadPool: NIOThreadPool
    private let pending = Pending()
    /// A hash at ``rounds`` that matches no password: unknown e-mails cost what known ones cost.
    let dummyHash: String

    private final class Pending: Sendable {
        let count = Atomic<Int>(0)
    }

    /// - Parameters:
    ///   - rounds: PBKDF2 iterations, at least ``minimumRounds``.
    ///   - maxPending: hashes running or waiting at most. Default: 32 (about 1.6 s of queue on two cores).
    public init(rounds: Int = PasswordHasher.minimumRounds, maxPending: Int = 32, threadPool: NIOThreadPool = .singleton) {
        precondition(rounds >= Self.minimumRounds, "PBKDF2 needs at least \(Self.minimumRounds) rounds")
        precondition(maxPending > 0, "the hashing queue holds at least one hash")
        self.rounds = rounds
        self.maxPending = maxPending
        self.threadPool = threadPool
        self.dummyHash = "pbkdf2-sha256$\(rounds)$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    }

    /// Hashes running or waiting now.
    public var pendingCount: Int { pending.count.load(ordering: .relaxed) }

    public func hash(_ password: String) async throws -> String {
        let salt = SecureBytes.random(count: 16)
        let rounds = self.rounds
        let derived = try await admitted {
            try Self.derive(password: password, salt: salt, rounds: rounds)
        }
        return "pbkdf2-sha256$\(rounds)$\(SecureBytes.base64URL(salt))$\(SecureBytes.base64URL(derived))"
    }

    /// Whether `stored` was made with fewer rounds than ``rounds`` (the setting was raised since): the caller,
    /// holding the password after a successful login, stores a new hash.
    public func needsUpgrade(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, let storedRounds = Int(parts[1]) else { return true }
        return storedRounds < rounds
    }

    /// Runs `work` on the thread pool if the queue has room; else throws ``ServiceError/Code/overloaded``.
    private func admitted<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let before = pending.count.wrappingAdd(1, ordering: .relaxed).oldValue
        defer { pending.count.wrappingSubtract(1, ordering: .relaxed) }
        guard before < maxPending else {
            throw ServiceError.retryLater(.overloaded, "too many logins and registrations in progress; retry shortly", after: 1)
        }
        return try await threadPool.runIfActive(work)
    }

    /// True when `password` matches `stored`. A malformed stored hash never matches.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= Self.minimumRounds,
            let salt = SecureBytes.decodeBase64URL(parts[2]), let expected = SecureBytes.decodeBase64URL(parts[3])
        else { return false }
        let derived = try await admitted {
            try Self.derive(password: password, salt: salt, rounds: rounds)
        }
        return SecureBytes.constantTimeEquals(derived, expected)
    }

    /// Spends the same time as a verification at ``rounds``, for logins with an unknown email (no timing oracle for
    /// "user exists").
    public func verifyAgainstDummy(_ password: String) async throws {
        _ = try await verify(password, against: dummyHash)
    }

    private static func derive(password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds
        )
        return key.withUnsafeBytes { Array($0) }
    }
}
