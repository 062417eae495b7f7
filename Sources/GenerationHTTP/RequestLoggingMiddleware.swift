import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore
import Logging

/// Gives every request an id and logs one line per request.
///
/// The id is the client's `X-Request-ID` when it is 1–128 characters of `[A-Za-z0-9._-]`, else the one Hummingbird made.
/// It is added to the logger's metadata as `request_id` (so every line logged while handling the request carries it) and
/// returned in the `X-Request-ID` response header.
public struct RequestLoggingMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let supplied = request.headers[.requestID], Self.isValidRequestID(supplied) {
            context.requestID = supplied
        }
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        context.logger.log(
            level: level, "\(Self.message)",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(HandledRequest.routeTemplate(context) ?? "unmatched"),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(Self.milliseconds(elapsed)),
            ]
        )
        return response
    }

    /// A duration in milliseconds with one decimal (`12.3`), without `String(format:)`, which goes through `NSString`.
    static func milliseconds(_ duration: Duration) -> String {
        let tenths = duration.components.seconds * 10_000 + (duration.components.attoseconds + 50_000_000_000_000) / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The message of every access-log line (its fields are metadata).
    public static let message = "request"

    static func isValidRequestID(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
