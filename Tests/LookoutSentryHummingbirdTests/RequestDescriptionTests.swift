import HTTPTypes
import Hummingbird
import Testing

@testable import LookoutSentryHummingbird

/// The URL an event shows for a request: never one a client can make point elsewhere.
@Suite struct RequestDescriptionTests {
    func request(authority: String?, path: String) -> HTTPRequest {
        HTTPRequest(method: .get, scheme: nil, authority: authority, path: path)
    }

    @Test func theConfiguredPublicAddressWins() {
        let described = SentryMiddleware<BasicRequestContext>.describe(
            request(authority: "evil.example", path: "/api/v1/me?token=abc"), recordedHeaders: [], baseURL: "https://api.example.com"
        )
        #expect(described.url == "https://api.example.com/api/v1/me", "the Host header is not read; the query is not kept")
    }

    @Test(arguments: [
        ("api.example.com:8443", "http://api.example.com:8443/x"),
        ("[::1]:8080", "http://[::1]:8080/x"),
        ("evil.example/phish?", "http://localhost/x"),
        ("user@evil.example", "http://localhost/x"),
        ("a b", "http://localhost/x"),
    ])
    func aHostHeaderIsKeptOnlyWhenPlain(authority: String, expected: String) {
        #expect(SentryMiddleware<BasicRequestContext>.describe(request(authority: authority, path: "/x"), recordedHeaders: []).url == expected)
    }
}
