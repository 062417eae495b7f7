import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reads and decodes JSON request bodies with errors a client can act on: each is an `HTTPError` whose message names
/// the field (400), the content type (415) or the limit (413).
public struct JSONBody: Sendable {
    /// Largest body accepted, in bytes.
    let maxBytes: Int

    public init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Decodes a JSON request body.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        if let contentType = request.headers[.contentType] {
            let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
                throw HTTPError(.unsupportedMediaType, message: "the body must be JSON (Content-Type: application/json), not \(contentType)")
            }
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw HTTPError(.contentTooLarge, message: "the request body exceeds the limit of \(maxBytes) bytes")
        }
        let buffer = try await request.body.collect(upTo: maxBytes)
        guard buffer.readableBytes > 0 else {
            throw HTTPError(.badRequest, message: "the request needs a JSON body")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: Self.describe(error))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field `\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)`"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "the body must be a JSON object"
        case .typeMismatch(let type, let context):
            return "field `\(path(context.codingPath))` must be \(Self.name(of: type))"
        case .valueNotFound(let type, let context):
            return "field `\(path(context.codingPath))` must be \(Self.name(of: type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "field `\(path(context.codingPath))` is invalid: \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type: "a number"
        default: "a JSON object"
        }
    }
}

/// JSON answers (dates as ISO 8601). The API's DTOs name their keys themselves (``make(_:status:headers:)``); operational reports use
/// ``snakeCase(_:status:)`` or bring their own bytes (``raw(_:status:)``).
public enum JSONResponse {
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A value encoded with snake_case keys, ISO 8601 dates and sorted keys.
    public static func snakeCase(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try raw(encoder.encode(value), status: status)
    }

    /// JSON that is already encoded.
    public static func raw(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
