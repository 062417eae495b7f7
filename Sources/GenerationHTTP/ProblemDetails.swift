import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutJSON
import NIOCore

/// An RFC 9457 problem document, rendered as `application/problem+json`.
///
/// `type` is a stable URI reference per kind of problem: `/docs#problem-<code>`, which the docs page explains.
public struct ProblemDetails: Error, Sendable, Equatable {
    public var code: String
    public var title: String
    public var status: HTTPResponse.Status
    public var detail: String
    public var extensions: [String: ServiceError.Detail]
    public var headers: HTTPFields

    public init(code: String, title: String, status: HTTPResponse.Status, detail: String, extensions: [String: ServiceError.Detail] = [:], headers: HTTPFields = [:]) {
        self.code = code
        self.title = title
        self.status = status
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    public var type: String { "/docs#problem-\(code)" }

    /// The problem for a service error.
    public init(_ error: ServiceError) {
        let (status, title) = Self.statusAndTitle(for: error.code)
        var headers: HTTPFields = [:]
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        self.init(code: error.code.rawValue, title: title, status: status, detail: error.message, extensions: error.details, headers: headers)
    }

    static func statusAndTitle(for code: ServiceError.Code) -> (HTTPResponse.Status, String) {
        switch code {
        case .malformedRequest: (.badRequest, "Malformed request")
        case .validationFailed: (.unprocessableContent, "Validation failed")
        case .emailTaken: (.conflict, "Email already registered")
        case .invalidCredentials: (.unauthorized, "Invalid credentials")
        case .unauthorized: (.unauthorized, "Authentication required")
        case .notFound: (.notFound, "Not found")
        case .insufficientCredits: (HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), "Insufficient credits")
        case .idempotencyKeyRequired: (.badRequest, "Idempotency-Key required")
        case .idempotencyKeyReused: (.unprocessableContent, "Idempotency-Key reused")
        case .idempotencyInProgress: (.conflict, "Request in progress")
        case .paymentDeclined: (HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), "Payment declined")
        case .paymentProviderError: (.badGateway, "Payment provider error")
        case .paymentProviderTimeout: (.gatewayTimeout, "Payment provider timeout")
        case .rateLimited: (.tooManyRequests, "Too many requests")
        case .overloaded: (.serviceUnavailable, "Overloaded")
        }
    }

    /// Problems raised by the HTTP layer itself, not by the service.
    public static func routeNotFound(_ path: String) -> ProblemDetails {
        ProblemDetails(code: "route-not-found", title: "Route not found", status: .notFound, detail: "no route matches \(path); see /docs")
    }

    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> ProblemDetails {
        var headers: HTTPFields = [:]
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        headers[.allow] = allow
        return ProblemDetails(
            code: "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
            detail: "\(method.rawValue) is not allowed on \(path); allowed: \(allow)", headers: headers
        )
    }

    public static func payloadTooLarge(limit: Int) -> ProblemDetails {
        ProblemDetails(
            code: "payload-too-large", title: "Payload too large", status: .contentTooLarge,
            detail: "the request body exceeds the limit of \(limit) bytes", extensions: ["limit_bytes": .int(Int64(limit))]
        )
    }

    public static func unsupportedMediaType(_ detail: String) -> ProblemDetails {
        ProblemDetails(code: "unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType, detail: detail)
    }

    /// The problem for an `HTTPError` thrown by the HTTP layer or a Lookout library (``JSONBody``, `SLARoutes`,
    /// `RequestThrottle`): the service's own problem type for that status where there is one, the error's message as
    /// the detail, its headers (`Retry-After`, `WWW-Authenticate`) kept.
    public static func thrown(status: HTTPResponse.Status, message: String?, headers: HTTPFields = [:], maxBodyBytes: Int) -> ProblemDetails {
        var problem = thrownProblem(status: status, message: message, maxBodyBytes: maxBodyBytes)
        for field in headers where problem.headers[field.name] == nil { problem.headers.append(field) }
        if problem.code == ServiceError.Code.rateLimited.rawValue, let seconds = headers[.retryAfter].flatMap({ Int($0) }) {
            problem.extensions["retry_after_seconds"] = .int(Int64(seconds))
        }
        return problem
    }

    private static func thrownProblem(status: HTTPResponse.Status, message: String?, maxBodyBytes: Int) -> ProblemDetails {
        let detail = message ?? status.reasonPhrase
        switch status {
        case .contentTooLarge: return payloadTooLarge(limit: maxBodyBytes)
        case .unsupportedMediaType: return unsupportedMediaType(detail)
        case .badRequest: return ProblemDetails(ServiceError(.malformedRequest, detail))
        case .unauthorized: return ProblemDetails(ServiceError(.unauthorized, detail))
        case .notFound: return ProblemDetails(ServiceError(.notFound, detail))
        case .unprocessableContent: return ProblemDetails(ServiceError(.validationFailed, detail))
        case .tooManyRequests: return ProblemDetails(ServiceError(.rateLimited, detail))
        default: return ProblemDetails(code: "http-\(status.code)", title: status.reasonPhrase, status: status, detail: detail)
        }
    }

    public static let internalError = ProblemDetails(
        code: "internal-error", title: "Internal error", status: .internalServerError,
        detail: "the server failed to handle this request; it has been logged with the request id"
    )

    /// Every problem code the API can answer with, for the docs page.
    public static var catalog: [(code: String, status: Int, title: String)] {
        // email-taken stays inside: registration answers the same whether the address is taken or not.
        var entries = ServiceError.Code.allCases.filter { $0 != .emailTaken }.map { code -> (String, Int, String) in
            let (status, title) = statusAndTitle(for: code)
            return (code.rawValue, status.code, title)
        }
        for extra in [routeNotFound(""), methodNotAllowed(.get, path: "", allowed: []), payloadTooLarge(limit: 0), unsupportedMediaType(""), internalError] {
            entries.append((extra.code, extra.status.code, extra.title))
        }
        return entries
    }

    public func response(requestID: String?) -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document(requestID: requestID))))
    }

    /// The document, keys sorted, written directly (``JSONText``): the 404 of a scanner or a typo is the cheapest
    /// answer the API gives, and it should stay that way.
    public func document(requestID: String?) -> [UInt8] {
        enum Value { case string(String), int(Int) }
        var members: [(String, Value)] = [("type", .string(type)), ("title", .string(title)), ("status", .int(status.code)), ("detail", .string(detail))]
        if let requestID { members.append(("request_id", .string(requestID))) }
        for (key, value) in extensions where !["type", "title", "status", "detail", "request_id"].contains(key) {
            switch value {
            case .string(let string): members.append((key, .string(string)))
            case .int(let int): members.append((key, .int(Int(int))))
            }
        }
        var json = JSONText()
        for (key, value) in members.sorted(by: { $0.0 < $1.0 }) {
            switch value {
            case .string(let string): json.add(key, string)
            case .int(let int): json.add(key, int)
            }
        }
        return json.object
    }
}

/// A problem is an error Hummingbird (and every observing middleware) knows the status of.
extension ProblemDetails: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? APIRequestContext)?.requestID)
    }
}

/// A service error is answered as its problem: its status is known before the translation (the metrics, SLA and Sentry
/// middlewares read it from a thrown error), and outside ``ProblemDetailsMiddleware`` it still renders as one.
extension ServiceError: HTTPResponseError {
    public var status: HTTPResponse.Status { ProblemDetails.statusAndTitle(for: code).0 }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try ProblemDetails(self).response(from: request, context: context)
    }
}
