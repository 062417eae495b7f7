import Foundation

/// A registered user. The password hash never leaves the storage layer except inside ``UserCredentials``.
public struct User: Sendable, Equatable {
    public var id: String
    public var email: String
    /// Spendable credits. Bought through payments, spent by generations, refunded when a generation fails.
    public var credits: Int64
    public var createdAt: Date

    public init(id: String, email: String, credits: Int64, createdAt: Date) {
        self.id = id
        self.email = email
        self.credits = credits
        self.createdAt = createdAt
    }
}

/// A user together with the stored password hash, for login only.
public struct UserCredentials: Sendable {
    public var user: User
    public var passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// A login session. The token's secret half is never stored, only its SHA-256.
public struct Session: Sendable, Equatable {
    /// The public half of the token, used to find the session.
    public var selector: String
    /// SHA-256 of the secret half, compared in constant time.
    public var secretHash: [UInt8]
    public var userID: String
    public var expiresAt: Date

    public init(selector: String, secretHash: [UInt8], userID: String, expiresAt: Date) {
        self.selector = selector
        self.secretHash = secretHash
        self.userID = userID
        self.expiresAt = expiresAt
    }
}
