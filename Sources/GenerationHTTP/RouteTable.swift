import HTTPTypes
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The routes the API serves, as (method, template) pairs.
///
/// Filled while routes are registered; read to answer 405 with an `Allow` header and by the test that keeps the
/// OpenAPI document true.
public final class RouteTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public var method: HTTPRequest.Method
        public var path: String
    }

    private let storage = Mutex<[Entry]>([])

    public init() {}

    public var entries: [Entry] { storage.withLock { $0 } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        storage.withLock { $0.append(Entry(method: method, path: path)) }
    }

    /// Methods served on a concrete path (matching `{parameter}` segments), in registration order.
    public func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.filter { entry in
            let template = entry.path.split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count else { return false }
            return zip(template, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
        }.map(\.method)
    }
}

extension Router {
    /// Registers a route and records it in `table`.
    @discardableResult
    func on(
        _ method: HTTPRequest.Method, _ path: String, recordingIn table: RouteTable,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> Self {
        table.record(method, path)
        return on(RouterPath(path), method: method, use: handler)
    }
}
