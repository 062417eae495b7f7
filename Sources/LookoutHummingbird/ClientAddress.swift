import HTTPTypes
import Hummingbird
import NIOCore

/// Who a request comes from, as a key for per-client limits.
///
/// With no proxy in front (``trustedProxyHops`` 0), the client is the TCP peer. Behind proxies that append the address
/// they received from to `X-Forwarded-For` (a load balancer: 1; a CDN and a load balancer: 2), the client is the entry
/// that many places from the right: entries further left were written by the client itself and prove nothing. A
/// header shorter than that (a request that bypassed a proxy) falls back to its first entry, and a missing or
/// unreadable one to the peer.
///
/// IPv6 clients are keyed by their /64 network, which one subscriber usually holds whole: keyed per address, one
/// machine could take a fresh bucket for every request. IPv4-mapped IPv6 addresses count as IPv4.
public struct ClientAddress: Sendable, Equatable {
    /// Proxies in front of this server that append to `X-Forwarded-For`. Default 0: the TCP peer is the client.
    public var trustedProxyHops: Int

    public init(trustedProxyHops: Int = 0) {
        precondition(trustedProxyHops >= 0, "a negative number of proxies")
        self.trustedProxyHops = trustedProxyHops
    }

    /// The client's key: an IPv4 address, an IPv6 /64 (`2001:db8:0:1::/64`), or `unknown` (a test channel, a Unix socket).
    public func key(for request: Request, peer: SocketAddress?) -> String {
        if trustedProxyHops > 0, let forwarded = forwardedClient(request.headers), let key = Self.key(ipAddress: forwarded) {
            return key
        }
        guard let peer else { return "unknown" }
        return Self.key(peer) ?? "unknown"
    }

    private func forwardedClient(_ headers: HTTPFields) -> Substring? {
        // Several X-Forwarded-For fields are one list, in order.
        let entries = headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
        guard !entries.isEmpty else { return nil }
        let index = max(0, entries.count - trustedProxyHops)
        return entries[index]
    }

    /// The key of an address written as text: `203.0.113.7`, `2001:db8::1`, also with a port (`203.0.113.7:5123`,
    /// `[2001:db8::1]:443`) as some proxies write it; nil when it is not an IP address.
    static func key(ipAddress raw: Substring) -> String? {
        var text = raw.trimmingBlanks
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        guard let address = try? SocketAddress(ipAddress: String(text), port: 0) else { return nil }
        return key(address)
    }

    static func key(_ address: SocketAddress) -> String? {
        switch address {
        case .v4: return address.ipAddress
        case .v6(let v6):
            // sockaddr_in6: family and port (4 bytes), flow info (4), then the 16 address bytes, on Linux and Darwin alike.
            let bytes = withUnsafeBytes(of: v6.address) { Array($0[8..<24]) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return bytes[12...].map(String.init).joined(separator: ".")
            }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        case .unixDomainSocket: return nil
        }
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`: the addresses a request passed through, the client's first.
    public static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension Substring {
    fileprivate var trimmingBlanks: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
