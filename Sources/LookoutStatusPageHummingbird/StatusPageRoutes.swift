import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutStatusPage
import NIOCore

/// `GET /status`: the public status page (``StatusPage``), rendered from a ``StatusPageSource`` at most every few
/// seconds (a ``ResponseCache``: everyone refreshes it during an incident), with `ETag` and `Cache-Control`.
public struct StatusPageRoutes<Context: RequestContext>: Sendable {
    public let source: StatusPageSource
    public let cache: ResponseCache<ContinuousClock>
    public let now: @Sendable () -> Date

    public init(
        source: StatusPageSource, cache: ResponseCache<ContinuousClock> = ResponseCache(clock: ContinuousClock()),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.source = source
        self.cache = cache
        self.now = now
    }

    public var endpoints: [Endpoint<Context>] {
        [
            Endpoint(.get, "/status") { request, _ in
                try await cache.response(for: "status-page", request: request) {
                    ResponseCache.Body(
                        bytes: ByteBuffer(string: StatusPage.render(try await source.model(now: now()))), contentType: "text/html; charset=utf-8",
                        headers: HTMLPageHeaders.fields
                    )
                }
            }
        ]
    }
}
