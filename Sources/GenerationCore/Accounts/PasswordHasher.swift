import Crypto
import _CryptoExtras
import Foundation
import NIOPosix

/// Hashes passwords with PBKDF2-HMAC-SHA256 and a random 16-byte salt.
///
/// Stored form: `pbkdf2-sha256$<rounds>$<salt base64url>$<hash base64url>`, so the round count can be raised later
/// without invalidating existing hashes. The work runs on NIO's blocking thread pool, never on the request's executor.
public struct PasswordHasher: Sendable {
    /// The least rounds swift-crypto accepts for PBKDF2 (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
    public static let minimumRounds = 210_000

    public let rounds: Int
    private let threadPool: NIOThreadPool

    /// - Parameter rounds: PBKDF2 iterations, at least ``minimumRounds``.
    public init(rounds: Int = PasswordHasher.minimumRounds, threadPool: NIOThreadPool = .singleton) {
        precondition(rounds >= Self.minimumRounds, "PBKDF2 needs at least \(Self.minimumRounds) rounds")
        self.rounds = rounds
        self.threadPool = threadPool
    }

    public func hash(_ password: String) async throws -> String {
        let salt = SecureBytes.random(count: 16)
        let rounds = self.rounds
        let derived = try await threadPool.runIfActive {
            try Self.derive(password: password, salt: salt, rounds: rounds)
        }
        return "pbkdf2-sha256$\(rounds)$\(SecureBytes.base64URL(salt))$\(SecureBytes.base64URL(derived))"
    }

    /// True when `password` matches `stored`. A malformed stored hash never matches.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= Self.minimumRounds,
            let salt = SecureBytes.decodeBase64URL(parts[2]), let expected = SecureBytes.decodeBase64URL(parts[3])
        else { return false }
        let derived = try await threadPool.runIfActive {
            try Self.derive(password: password, salt: salt, rounds: rounds)
        }
        return SecureBytes.constantTimeEquals(derived, expected)
    }

    /// Spends the same time as a verification, for logins with an unknown email (no timing oracle for "user exists").
    public func verifyAgainstDummy(_ password: String) async throws {
        _ = try await verify(password, against: Self.dummyHash)
    }

    private static let dummyHash =
        "pbkdf2-sha256$\(minimumRounds)$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

    private static func derive(password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds
        )
        return key.withUnsafeBytes { Array($0) }
    }
}
