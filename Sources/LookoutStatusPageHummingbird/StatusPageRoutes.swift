import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import LookoutStatusPage
import NIOCore

/// `GET /status`: the public status page (``StatusPage``), rendered on each request from a ``StatusPageSource``.
public struct StatusPageRoutes<Context: RequestContext>: Sendable {
    public let source: StatusPageSource
    public let now: @Sendable () -> Date

    public init(source: StatusPageSource, now: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.now = now
    }

    public var endpoints: [Endpoint<Context>] {
        [
            Endpoint(.get, "/status") { _, _ in
                let page = StatusPage.render(try await source.model(now: now()))
                return Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                    body: .init(byteBuffer: ByteBuffer(string: page))
                )
            }
        ]
    }
}
