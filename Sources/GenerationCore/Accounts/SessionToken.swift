/// A bearer token in two halves: `<selector>.<secret>`.
///
/// The selector (12 random bytes) finds the session; the secret (32 random bytes) is stored only as its SHA-256 and
/// compared in constant time, so neither a database index lookup nor a string comparison leaks timing about the secret.
public struct SessionToken: Sendable, Equatable {
    public var selector: String
    public var secret: [UInt8]

    public static func generate() -> SessionToken {
        SessionToken(selector: SecureBytes.base64URL(SecureBytes.random(count: 12)), secret: SecureBytes.random(count: 32))
    }

    public init(selector: String, secret: [UInt8]) {
        self.selector = selector
        self.secret = secret
    }

    /// Parses the string form; nil when it is not a well-formed token.
    public init?(_ string: String) {
        let parts = string.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, let secret = SecureBytes.decodeBase64URL(parts[1]), secret.count == 32
        else { return nil }
        self.selector = String(parts[0])
        self.secret = secret
    }

    public var stringValue: String { selector + "." + SecureBytes.base64URL(secret) }
    public var secretHash: [UInt8] { SecureBytes.sha256(secret) }
}
