import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutMetrics
import NIOCore

/// Serves a ``MetricsRegistry`` in the Prometheus text format: optional bearer or basic authentication, gzip when the
/// scraper accepts it, and collectors that refresh sampled values (process figures, queue depth) before each scrape.
public struct MetricsEndpoint: Sendable {
    /// Who may read `/metrics`.
    public enum Access: Sendable, Equatable {
        /// Anyone who can reach the port (the default; keep the port private).
        case open
        /// `Authorization: Bearer <token>`.
        case bearer(token: String)
        /// `Authorization: Basic …` with this user name and password.
        case basic(username: String, password: String)
    }

    public let registry: MetricsRegistry
    public let access: Access
    private let collectors: [@Sendable () async -> Void]

    /// - Parameter collectors: run, in order, before every exposition.
    public init(registry: MetricsRegistry, access: Access = .open, collectors: [@Sendable () async -> Void] = []) {
        self.registry = registry
        self.access = access
        self.collectors = collectors
    }

    public func response(to request: Request) async -> Response {
        guard isAuthorized(request.headers[.authorization]) else {
            var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
            switch access {
            case .basic: headers[.wwwAuthenticate] = #"Basic realm="metrics""#
            default: headers[.wwwAuthenticate] = #"Bearer realm="metrics""#
            }
            return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "metrics require authorization\n")))
        }
        for collect in collectors { await collect() }
        var body = ByteBuffer(bytes: registry.exposition())
        var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8"]
        if Self.acceptsGzip(request.headers[values: .acceptEncoding]), let compressed = try? body.compress(with: .gzip()) {
            body = compressed
            headers[.contentEncoding] = "gzip"
        }
        headers[.vary] = "Accept-Encoding"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Adds `GET path` to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>, path: String = "/metrics") {
        router.get(RouterPath(path)) { request, _ in await self.response(to: request) }
    }

    func isAuthorized(_ header: String?) -> Bool {
        switch access {
        case .open:
            return true
        case .bearer(let token):
            guard let header else { return false }
            return BearerTokenGate.matches(header, bearer: token)
        case .basic(let username, let password):
            guard let header, header.lowercased().hasPrefix("basic ") else { return false }
            let expected = Array("\(username):\(password)".utf8)
            guard let decoded = Self.decodeBase64(header.dropFirst(6)) else { return false }
            return BearerTokenGate.constantTimeEquals(decoded, expected)
        }
    }

    static func acceptsGzip(_ values: [String]) -> Bool {
        values.flatMap { $0.split(separator: ",") }.contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pieces.first == "gzip" || pieces.first == "*" else { return false }
            return !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    static func decodeBase64(_ text: Substring) -> [UInt8]? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)).map(Array.init)
    }
}
