import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LookoutRateLimit
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import LookoutHummingbird

@Suite("Per-client throttling: who the client is, and the 429 it gets")
struct RequestThrottleTests {
    static func request(forwardedFor: [String] = []) -> Request {
        var headers = HTTPFields()
        for value in forwardedFor { headers.append(HTTPField(name: .xForwardedFor, value: value)) }
        return Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/status", headerFields: headers),
            body: RequestBody(buffer: ByteBuffer())
        )
    }

    static let peer = try! SocketAddress(ipAddress: "10.0.0.5", port: 40000)

    @Test("with no proxy, the TCP peer is the client, whatever X-Forwarded-For says")
    func peerWithoutProxy() {
        let client = ClientAddress()
        #expect(client.key(for: Self.request(forwardedFor: ["198.51.100.9"]), peer: Self.peer) == "10.0.0.5")
        #expect(client.key(for: Self.request(), peer: nil) == "unknown")
    }

    @Test("behind N proxies, the client is the Nth entry from the right; entries the client wrote itself are ignored")
    func forwardedEntries() {
        let one = ClientAddress(trustedProxyHops: 1)
        #expect(one.key(for: Self.request(forwardedFor: ["203.0.113.7"]), peer: Self.peer) == "203.0.113.7")
        #expect(one.key(for: Self.request(forwardedFor: ["1.2.3.4, 203.0.113.7"]), peer: Self.peer) == "203.0.113.7", "a spoofed first entry")
        #expect(one.key(for: Self.request(forwardedFor: ["1.2.3.4", "203.0.113.7"]), peer: Self.peer) == "203.0.113.7", "two fields are one list")
        #expect(one.key(for: Self.request(), peer: Self.peer) == "10.0.0.5", "no header: the peer")
        #expect(one.key(for: Self.request(forwardedFor: ["not an address"]), peer: Self.peer) == "10.0.0.5")
        #expect(one.key(for: Self.request(forwardedFor: ["203.0.113.7:5123"]), peer: Self.peer) == "203.0.113.7", "with a port")

        let two = ClientAddress(trustedProxyHops: 2)
        #expect(two.key(for: Self.request(forwardedFor: ["1.2.3.4, 203.0.113.7, 192.0.2.1"]), peer: Self.peer) == "203.0.113.7")
        #expect(two.key(for: Self.request(forwardedFor: ["203.0.113.7"]), peer: Self.peer) == "203.0.113.7", "shorter than the hops: the first entry")
    }

    @Test("IPv6 clients are keyed by their /64; IPv4-mapped addresses count as IPv4")
    func ipv6() throws {
        let one = ClientAddress(trustedProxyHops: 1)
        let a = one.key(for: Self.request(forwardedFor: ["2001:db8:0:1::17"]), peer: Self.peer)
        let b = one.key(for: Self.request(forwardedFor: ["[2001:db8:0:1:ffff::2]:443"]), peer: Self.peer)
        let other = one.key(for: Self.request(forwardedFor: ["2001:db8:0:2::17"]), peer: Self.peer)
        #expect(a == "2001:db8:0:1::/64")
        #expect(a == b)
        #expect(a != other)
        #expect(ClientAddress().key(for: Self.request(), peer: try SocketAddress(ipAddress: "::ffff:192.0.2.33", port: 1)) == "192.0.2.33")
    }

    @Test("a guarded route answers 429 with Retry-After once the client's bucket is empty, and reports the refusal")
    func guardedRoute() async throws {
        let refusals = Mutex<[String]>([])
        let throttle = RequestThrottle(
            policy: "status", limiter: RateLimiter(configuration: .init(limit: RateLimit(requests: 2, per: .seconds(60))), clock: ManualClock()),
            client: ClientAddress(trustedProxyHops: 1), onLimited: { policy in refusals.withLock { $0.append(policy) } }
        )
        let router = Router()
        router.add(throttle.guarding([Endpoint<BasicRequestContext>(.get, "/status") { _, _ in Response(status: .ok) }]))
        try await Application(router: router).test(.router) { client in
            let first: HTTPFields = [.xForwardedFor: "203.0.113.7"]
            for _ in 0..<2 {
                try await client.execute(uri: "/status", method: .get, headers: first) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/status", method: .get, headers: first) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "30")
                #expect(String(buffer: response.body).contains("retry in 30 s"))
            }
            try await client.execute(uri: "/status", method: .get, headers: [.xForwardedFor: "203.0.113.8"]) { #expect($0.status == .ok) }
        }
        #expect(refusals.withLock { $0 } == ["status"])
    }
}
