import HTTPTypes
import Hummingbird
import LookoutRateLimit

/// A per-client rate limit on some routes: once a client's bucket is empty, `429 Too Many Requests` with
/// `Retry-After` (whole seconds), before the route does any work.
///
/// A route calls ``admit(_:context:)`` first, or a library's endpoints are wrapped whole with ``guarding(_:)``. The
/// client is found by ``ClientAddress`` (the peer, or the trusted proxies' `X-Forwarded-For`); the refusal is an
/// `HTTPError` carrying its `Retry-After`, so it renders in any app (Lookout's reference service: a problem document).
public struct RequestThrottle<C: Clock>: Sendable where C.Duration == Duration {
    /// The limit's name in messages and metrics (`auth`, `status`).
    public let policy: String
    public let limiter: RateLimiter<C>
    public let client: ClientAddress
    private let onLimited: @Sendable (String) -> Void

    /// - Parameter onLimited: called with ``policy`` for every refusal (a metric); never waits.
    public init(policy: String, limiter: RateLimiter<C>, client: ClientAddress, onLimited: @escaping @Sendable (String) -> Void = { _ in }) {
        self.policy = policy
        self.limiter = limiter
        self.client = client
        self.onLimited = onLimited
    }

    /// Throws `HTTPError(.tooManyRequests)` with `Retry-After` when this request's client has no request left.
    public func admit(_ request: Request, context: some RequestContext) throws {
        let peer = (context as? any RemoteAddressRequestContext)?.remoteAddress
        guard let seconds = limiter.acquire(client.key(for: request, peer: peer)).retryAfterSeconds else { return }
        onLimited(policy)
        throw HTTPError(
            .tooManyRequests, headers: [.retryAfter: String(seconds)],
            message: "too many requests from this client (limit \(policy): \(limiter.configuration.limit)); retry in \(seconds) s"
        )
    }

    /// The same endpoints, each admitting the request first.
    public func guarding<Context: RequestContext>(_ endpoints: [Endpoint<Context>]) -> [Endpoint<Context>] {
        endpoints.map(guarding)
    }

    /// The same endpoint, admitting the request first.
    public func guarding<Context: RequestContext>(_ endpoint: Endpoint<Context>) -> Endpoint<Context> {
        Endpoint(endpoint.method, endpoint.path) { request, context in
            try admit(request, context: context)
            return try await endpoint.handler(request, context)
        }
    }
}
