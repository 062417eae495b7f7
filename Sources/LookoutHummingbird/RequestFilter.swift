import HTTPTypes
import Hummingbird

/// The requests an observing middleware leaves alone: operational paths (scrapes, health checks, docs) and synthetic
/// traffic recognised by its `User-Agent`. One rule for the metrics, SLA and Sentry middlewares, so that they agree on
/// what a user's request is.
public struct RequestFilter: Sendable, Equatable {
    /// Paths left alone; a trailing `*` matches any suffix (`/health*`).
    public let paths: [String]
    /// Requests whose `User-Agent` starts with one of these are left alone (`Lookout-Prober/`).
    public let userAgentPrefixes: [String]
    private let exact: Set<String>
    private let prefixes: [String]

    public init(paths: [String], userAgentPrefixes: [String] = []) {
        self.paths = paths
        self.userAgentPrefixes = userAgentPrefixes
        exact = Set(paths.filter { !$0.hasSuffix("*") })
        prefixes = paths.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) }
    }

    /// Whether the request is one to leave alone.
    public func excludes(path: String, userAgent: String?) -> Bool {
        if exact.contains(path) || prefixes.contains(where: { path.hasPrefix($0) }) { return true }
        guard let userAgent, !userAgentPrefixes.isEmpty else { return false }
        return userAgentPrefixes.contains { userAgent.hasPrefix($0) }
    }

    public func excludes(_ request: Request) -> Bool {
        excludes(path: request.uri.path, userAgent: request.headers[.userAgent])
    }
}

/// What the observing middlewares read off a request once it has been handled.
public enum HandledRequest {
    /// The matched route's template (`/api/v1/generations/{id}`), or nil when no route matched: a bounded name for
    /// labels and transaction names, never the raw path.
    public static func routeTemplate(_ context: some RequestContext) -> String? {
        // Hummingbird names the endpoint of its not-found responder "NotFound".
        context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 }
    }

    /// The status a thrown error will be answered with: an `HTTPResponseError`'s own, else 500 (Hummingbird's rule).
    public static func status(of error: any Error) -> Int {
        (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
    }
}
