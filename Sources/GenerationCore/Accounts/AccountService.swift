import BoundedCache
import Foundation
import Tracing

/// Registration, login and bearer-token authentication.
public struct AccountService: Sendable {
    public struct Configuration: Sendable {
        /// How long a login token stays valid. Default: 24 hours.
        public var sessionLifetime: Duration = .seconds(24 * 3600)
        /// Shortest password accepted. Default: 8 characters.
        public var minimumPasswordLength = 8
        /// Entries in the token cache (selector → session). Default: 10 000.
        public var sessionCacheCapacity = 10_000
        /// How long a cached session is trusted before storage is asked again. Default: 60 s.
        public var sessionCacheTTL: Duration = .seconds(60)

        public init() {}
    }

    /// The result of a login: the token is shown to the user once and never stored.
    public struct Login: Sendable {
        public var token: String
        public var expiresAt: Date
        public var user: User
    }

    private let store: any AccountStore
    private let hasher: PasswordHasher
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let observer: any ServiceObserver
    /// Sessions by selector, in front of storage on every authenticated request.
    public let sessionCache: BoundedCache<String, Session, ContinuousClock>

    public init(
        store: any AccountStore, hasher: PasswordHasher, configuration: Configuration = .init(),
        observer: any ServiceObserver = NoServiceObserver(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.observer = observer
        self.hasher = hasher
        self.configuration = configuration
        self.now = now
        self.sessionCache = BoundedCache(capacity: configuration.sessionCacheCapacity, timeToLive: configuration.sessionCacheTTL)
    }

    public func register(email: String, password: String) async throws -> User {
        let email = try Self.normalizedEmail(email)
        guard password.count >= configuration.minimumPasswordLength else {
            throw ServiceError(.validationFailed, "password must be at least \(configuration.minimumPasswordLength) characters")
        }
        guard password.utf8.count <= 1024 else {
            throw ServiceError(.validationFailed, "password must be at most 1024 bytes")
        }
        let hash = try await hasher.hash(password)
        let user = try await store.createUser(id: Identifier.make(prefix: "usr"), email: email, passwordHash: hash, now: now())
        observer.userRegistered(user)
        return user
    }

    public func login(email: String, password: String) async throws -> Login {
        do {
            let login = try await verifiedLogin(email: email, password: password)
            observer.loginAttempted(succeeded: true)
            return login
        } catch let error as ServiceError where error.code == .invalidCredentials {
            observer.loginAttempted(succeeded: false)
            throw error
        }
    }

    private func verifiedLogin(email: String, password: String) async throws -> Login {
        let invalid = ServiceError(.invalidCredentials, "email or password is wrong")
        guard let email = try? Self.normalizedEmail(email) else { throw invalid }
        guard let credentials = try await store.credentials(email: email) else {
            try await hasher.verifyAgainstDummy(password)
            throw invalid
        }
        guard try await hasher.verify(password, against: credentials.passwordHash) else { throw invalid }
        let token = SessionToken.generate()
        let expiresAt = now().addingTimeInterval(configuration.sessionLifetime.timeInterval)
        let session = Session(selector: token.selector, secretHash: token.secretHash, userID: credentials.user.id, expiresAt: expiresAt)
        try await store.createSession(session, now: now())
        return Login(token: token.stringValue, expiresAt: expiresAt, user: credentials.user)
    }

    /// The user a bearer token belongs to. Throws ``ServiceError/Code/unauthorized`` for a missing, malformed,
    /// unknown, wrong or expired token, with the same message in every case.
    public func authenticate(bearerToken: String?) async throws -> String {
        let unauthorized = ServiceError(.unauthorized, "a valid bearer token is required (POST /api/v1/sessions to get one)")
        guard let bearerToken, let token = SessionToken(bearerToken) else { throw unauthorized }
        let session: Session
        let cached = withSpan("sessions", ofKind: .internal) { span in
            let value = sessionCache.value(forKey: token.selector)
            span.attributes["cache.hit"] = value != nil
            return value
        }
        if let cached {
            session = cached
        } else if let stored = try await store.session(selector: token.selector, now: now()) {
            sessionCache.setValue(stored, forKey: token.selector)
            session = stored
        } else {
            throw unauthorized
        }
        guard SecureBytes.constantTimeEquals(token.secretHash, session.secretHash), session.expiresAt > now() else {
            throw unauthorized
        }
        observer.authenticated(userID: session.userID)
        return session.userID
    }

    public func user(id: String) async throws -> User {
        guard let user = try await store.user(id: id) else {
            throw ServiceError(.unauthorized, "the token's user no longer exists")
        }
        return user
    }

    /// Trims and lowercases an email address and checks its shape.
    public static func normalizedEmail(_ raw: String) throws -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else {
            throw ServiceError(.validationFailed, "email must be an address like name@example.com")
        }
        return email
    }
}
