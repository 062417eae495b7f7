import HTTPTypes
import Hummingbird

/// The requests an observing middleware leaves alone: operational paths (scrapes, health checks, docs) and synthetic
/// traffic, recognised by a secret it carries. One rule for the metrics, SLA and Sentry middlewares, so that they agree
/// on what a user's request is.
///
/// Synthetic requests (the prober's) carry ``probeHeader`` with a secret shared by the prober and the service
/// (`LOOKOUT_PROBER_TOKEN`). A `User-Agent` would not do: anyone can send one, and a client that claims to be the prober
/// would take its failures out of the request SLOs. The secret is compared in constant time.
public struct RequestFilter: Sendable, Equatable {
    /// The header synthetic requests carry their secret in.
    public static let probeHeader = HTTPField.Name("X-Lookout-Probe")!

    /// Paths left alone; a trailing `*` matches any suffix (`/health*`).
    public let paths: [String]
    /// The secret of synthetic requests; nil: every request on other paths is a user's.
    public let probeSecret: String?
    private let exact: Set<String>
    private let prefixes: [String]
    private let secretBytes: [UInt8]?

    public init(paths: [String], probeSecret: String? = nil) {
        self.paths = paths
        self.probeSecret = probeSecret.flatMap { $0.isEmpty ? nil : $0 }
        exact = Set(paths.filter { !$0.hasSuffix("*") })
        prefixes = paths.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) }
        secretBytes = self.probeSecret.map { Array($0.utf8) }
    }

    /// Whether the request is one to leave alone: `probe` is the value of its ``probeHeader``, if any.
    public func excludes(path: String, probe: String?) -> Bool {
        if exact.contains(path) || prefixes.contains(where: { path.hasPrefix($0) }) { return true }
        guard let probe, let secretBytes else { return false }
        return BearerTokenGate.constantTimeEquals(Array(probe.utf8), secretBytes)
    }

    public func excludes(_ request: Request) -> Bool {
        excludes(path: request.uri.path, probe: secretBytes == nil ? nil : request.headers[Self.probeHeader])
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
