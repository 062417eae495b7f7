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

    /// An entry with its template split once, when it is recorded (every 404 and 405 matches against all of them).
    private struct Recorded {
        var entry: Entry
        /// `nil` for a `{parameter}` segment, which matches any segment.
        var segments: [Substring?]
    }

    private let storage = Mutex<[Recorded]>([])

    public init() {}

    public var entries: [Entry] { storage.withLock { $0.map(\.entry) } }

    func record(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }
        storage.withLock { $0.append(Recorded(entry: Entry(method: method, path: path), segments: segments)) }
    }

    /// Methods served on a concrete path (matching `{parameter}` segments), in registration order.
    public func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return storage.withLock { recorded in
            recorded.compactMap { route in
                guard route.segments.count == segments.count else { return nil }
                let matches = zip(route.segments, segments).allSatisfy { pattern, segment in pattern == nil || pattern == segment }
                return matches ? route.entry.method : nil
            }
        }
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
