import Foundation

/// A Sentry DSN: `{protocol}://{public_key}[:{secret_key}]@{host}[:{port}]{path}/{project_id}`.
public struct DSN: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var publicKey: String
    public var secretKey: String?
    public var host: String
    public var port: Int?
    /// Path prefix before the project id (empty for sentry.io), without a trailing slash.
    public var path: String
    public var projectID: String

    /// Why a DSN was refused; the message names the part that is wrong.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var dsn: String
        public var reason: String
        public var description: String {
            "invalid Sentry DSN \"\(DSN.redacted(dsn))\": \(reason); expected https://PUBLIC_KEY@HOST/PROJECT_ID"
        }
    }

    public init(_ string: String) throws(ParseError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw ParseError(dsn: string, reason: "it is not a URL")
        }
        guard scheme == "http" || scheme == "https" else { throw ParseError(dsn: string, reason: "the scheme must be http or https") }
        guard let user = components.user, !user.isEmpty else { throw ParseError(dsn: string, reason: "the public key (before @) is missing") }
        guard let host = components.host, !host.isEmpty else { throw ParseError(dsn: string, reason: "the host is missing") }
        let segments = components.path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = segments.last, !last.isEmpty, last.allSatisfy(\.isNumber) else {
            throw ParseError(dsn: string, reason: "the path must end in a numeric project id")
        }
        guard components.query == nil, components.fragment == nil else {
            throw ParseError(dsn: string, reason: "a DSN has no query or fragment")
        }
        self.scheme = scheme
        self.publicKey = user
        self.secretKey = components.password
        self.host = host
        self.port = components.port
        self.path = segments.dropLast().isEmpty ? "" : "/" + segments.dropLast().joined(separator: "/")
        self.projectID = String(last)
    }

    /// Where envelopes go: `{scheme}://{host}[:{port}]{path}/api/{project_id}/envelope/`.
    public var envelopeURL: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)/api/\(projectID)/envelope/"
    }

    /// The `X-Sentry-Auth` header value.
    public func authHeader(client: String) -> String {
        var value = "Sentry sentry_version=7, sentry_client=\(client), sentry_key=\(publicKey)"
        if let secretKey { value += ", sentry_secret=\(secretKey)" }
        return value
    }

    /// The DSN as written, for envelope headers (the secret, which modern Sentry ignores, is left out).
    public var description: String {
        "\(scheme)://\(publicKey)@\(host)\(port.map { ":\($0)" } ?? "")\(path)/\(projectID)"
    }

    /// A DSN safe to print in logs and errors: the key is shortened.
    static func redacted(_ raw: String) -> String {
        guard let at = raw.firstIndex(of: "@"), let schemeEnd = raw.range(of: "://") else { return raw.count > 8 ? "…" : raw }
        let key = raw[schemeEnd.upperBound..<at]
        return raw.replacingCharacters(in: schemeEnd.upperBound..<at, with: key.prefix(4) + "…")
    }
}
