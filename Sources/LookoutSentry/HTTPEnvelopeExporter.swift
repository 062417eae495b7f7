import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one envelope to Sentry's envelope endpoint and reports the answer; nothing more: no queue, no retry, no
/// rate-limit bookkeeping, no statistics (``HTTPTransport`` decides what an answer means).
public struct HTTPEnvelopeExporter: Sendable {
    /// What Sentry answered.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// `X-Sentry-Rate-Limits`, when sent.
        public var rateLimits: String?
        /// `Retry-After`, when sent.
        public var retryAfter: String?

        public init(status: Int, rateLimits: String? = nil, retryAfter: String? = nil) {
            self.status = status
            self.rateLimits = rateLimits
            self.retryAfter = retryAfter
        }
    }

    let client: HTTPClient
    /// The whole exchange, connection included.
    let timeout: Duration
    /// Gzip the body.
    let compress: Bool

    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(5), compress: Bool = true) {
        self.client = client
        self.timeout = timeout
        self.compress = compress
    }

    /// POSTs the envelope, stamped with `sentAt`. Throws on a network error or a timeout; any HTTP status is an answer.
    public func export(_ envelope: Envelope, to dsn: DSN, sentAt: Date) async throws -> Answer {
        var request = HTTPClientRequest(url: dsn.envelopeURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
        request.headers.add(name: "X-Sentry-Auth", value: dsn.authHeader(client: envelope.sdk.clientName))
        request.headers.add(name: "User-Agent", value: envelope.sdk.clientName)
        var body = ByteBuffer(bytes: envelope.serialized(sentAt: sentAt))
        if compress {
            body = try body.compress(with: .gzip())
            request.headers.add(name: "Content-Encoding", value: "gzip")
        }
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.nanoseconds)))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Answer(
            status: Int(response.status.code), rateLimits: response.headers.first(name: "X-Sentry-Rate-Limits"),
            retryAfter: response.headers.first(name: "Retry-After")
        )
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
