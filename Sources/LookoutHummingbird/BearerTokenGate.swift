import HTTPTypes
import Hummingbird

/// A gate for operational routes: `Authorization: Bearer <token>`, compared in constant time. Without a token every
/// request is refused, so that a protected route is never open by accident.
public struct BearerTokenGate: Sendable {
    /// The expected token; nil closes the gate.
    public let token: String?
    /// What the token is called where it is configured, for the refusal's message (`LOOKOUT_ADMIN_TOKEN`).
    public let settingName: String

    public init(token: String?, settingName: String) {
        self.token = token
        self.settingName = settingName
    }

    /// Throws `HTTPError(.unauthorized)` with a message that says what to send, unless the request carries the token.
    public func require(_ request: Request) throws {
        guard let token else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "this API is off: set \(settingName) on the server and send it as a bearer token")
        }
        guard let header = request.headers[.authorization], Self.matches(header, bearer: token) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send the token as Authorization: Bearer <\(settingName)>")
        }
    }

    /// Whether an `Authorization` header carries `token` as a bearer token (the scheme's case ignored).
    public static func matches(_ header: String, bearer token: String) -> Bool {
        guard header.lowercased().hasPrefix("bearer ") else { return false }
        return constantTimeEquals(Array(header.dropFirst(7).utf8), Array(token.utf8))
    }

    /// Compares in time that depends only on the lengths.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
