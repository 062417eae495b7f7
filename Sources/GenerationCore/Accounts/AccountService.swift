import BoundedCache
import Foundation
import LookoutRateLimit
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
        /// Live sessions one user may hold; a login beyond it ends the oldest. Default: 10.
        public var maxSessionsPerUser = 10
        /// Failed logins allowed per account (e-mail), known or not; past it every login for that address gets
        /// ``ServiceError/Code/rateLimited`` until the bucket refills, the right password included. Nil: no limit.
        /// Default: 10 per 15 minutes (then one every 90 s).
        public var loginFailureLimit: RateLimit? = RateLimit(requests: 10, per: .seconds(15 * 60))

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
    /// Failed logins per normalised e-mail.
    private let loginFailures: RateLimiter<ContinuousClock>?

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
        self.loginFailures = configuration.loginFailureLimit.map { RateLimiter(configuration: .init(limit: $0), clock: ContinuousClock()) }
    }

    /// What a registration answers, the same whether the address was new or not: telling the two apart would let
    /// anyone find out who has an account.
    public struct Registration: Sendable, Equatable {
        /// The normalised address.
        public var email: String
    }

    /// Registers a user with zero credits. An address that already has an account gets the same answer, after the
    /// same work (the password is hashed either way); its owner is the one to tell (``ServiceObserver``'s
    /// `registrationForExistingAccount`, where a deployment sends the mail), and the existing account is unchanged.
    public func register(email: String, password: String) async throws -> Registration {
        let email = try Self.normalizedEmail(email)
        guard password.count >= configuration.minimumPasswordLength else {
            throw ServiceError(.validationFailed, "password must be at least \(configuration.minimumPasswordLength) characters")
        }
        guard password.utf8.count <= 1024 else {
            throw ServiceError(.validationFailed, "password must be at most 1024 bytes")
        }
        let hash = try await throttled { try await hasher.hash(password) }
        do {
            let user = try await store.createUser(id: Identifier.make(prefix: "usr"), email: email, passwordHash: hash, now: now())
            observer.userRegistered(user)
        } catch let error as ServiceError where error.code == .emailTaken {
            if let existing = try await store.credentials(email: email) {
                observer.registrationForExistingAccount(userID: existing.user.id)
            }
        }
        return Registration(email: email)
    }

    /// Checks the password and opens a session. Throws ``ServiceError/Code/invalidCredentials`` (one answer for an
    /// unknown e-mail and a wrong password), ``ServiceError/Code/rateLimited`` once the address has failed too often,
    /// ``ServiceError/Code/overloaded`` when the hashing queue is full.
    public func login(email: String, password: String) async throws -> Login {
        let account = (try? Self.normalizedEmail(email)) ?? email
        if let seconds = loginFailures?.check(account).retryAfterSeconds {
            observer.requestThrottled(policy: "login_failures")
            throw ServiceError.retryLater(.rateLimited, "too many failed logins for this account; retry in \(seconds) s", after: seconds)
        }
        do {
            let login = try await throttled { try await verifiedLogin(email: email, password: password) }
            observer.loginAttempted(succeeded: true)
            return login
        } catch let error as ServiceError where error.code == .invalidCredentials {
            _ = loginFailures?.acquire(account)
            observer.loginAttempted(succeeded: false)
            throw error
        }
    }

    /// Counts a refusal of the full hashing queue before passing it on.
    private func throttled<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as ServiceError where error.code == .overloaded {
            observer.requestThrottled(policy: "password_hashing")
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
        if hasher.needsUpgrade(credentials.passwordHash) {
            // The configured rounds rose since this hash was made: the password is at hand only now. A failed upgrade
            // (a full hashing queue) leaves the old hash, which still verifies, for the next login.
            if let upgraded = try? await hasher.hash(password) {
                try await store.updatePasswordHash(userID: credentials.user.id, passwordHash: upgraded)
            }
        }
        let token = SessionToken.generate()
        let expiresAt = now().addingTimeInterval(configuration.sessionLifetime.timeInterval)
        let session = Session(selector: token.selector, secretHash: token.secretHash, userID: credentials.user.id, expiresAt: expiresAt)
        let ended = try await store.createSession(session, now: now(), keepingAtMost: configuration.maxSessionsPerUser)
        for selector in ended { sessionCache.removeValue(forKey: selector) }
        return Login(token: token.stringValue, expiresAt: expiresAt, user: credentials.user)
    }

    /// Ends the session of this bearer token (logout). Throws ``ServiceError/Code/unauthorized`` as
    /// ``authenticate(bearerToken:)`` does.
    ///
    /// The token stops working at once on this process; another replica that cached the session trusts it until its
    /// cache entry expires (``Configuration/sessionCacheTTL``, 60 s by default).
    public func endSession(bearerToken: String?) async throws {
        _ = try await authenticate(bearerToken: bearerToken)
        guard let token = bearerToken.flatMap(SessionToken.init) else { return }
        _ = try await store.deleteSession(selector: token.selector)
        sessionCache.removeValue(forKey: token.selector)
    }

    /// Ends every session of this token's user (logout everywhere, after a stolen token); returns how many.
    public func endAllSessions(bearerToken: String?) async throws -> Int {
        let userID = try await authenticate(bearerToken: bearerToken)
        let ended = try await store.deleteSessions(userID: userID)
        for selector in ended { sessionCache.removeValue(forKey: selector) }
        return ended.count
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
            span.attributes["cache.key"] = ["sessions"]  // the cache, never the token's selector
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
