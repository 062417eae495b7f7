import GenerationCore
import HTTPTypes
import Hummingbird

/// The admin API's gate: `Authorization: Bearer <LOOKOUT_ADMIN_TOKEN>`, compared in constant time. Without a
/// configured token every call is refused, so that an admin route is never open by accident.
public enum AdminAccess {
    public static func require(_ request: Request, token: String?) throws {
        guard let token else {
            throw ServiceError(.unauthorized, "the admin API is off: set LOOKOUT_ADMIN_TOKEN on the server and send it as a bearer token")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            SecureBytes.constantTimeEquals(Array(header.dropFirst(7).utf8), Array(token.utf8))
        else {
            throw ServiceError(.unauthorized, "send the admin token as Authorization: Bearer <LOOKOUT_ADMIN_TOKEN>")
        }
    }
}
