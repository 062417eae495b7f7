import LookoutHummingbird
import Testing

/// The one rule the metrics, SLA and Sentry middlewares use to leave a request alone.
@Suite struct RequestFilterTests {
    let filter = RequestFilter(paths: ["/metrics", "/health*"], probeSecret: "probe-secret-0123456789")

    @Test func exactPathsAndPrefixesAreLeftAlone() {
        #expect(filter.excludes(path: "/metrics", probe: nil))
        #expect(filter.excludes(path: "/health", probe: nil))
        #expect(filter.excludes(path: "/health/ready", probe: nil))
        #expect(!filter.excludes(path: "/metrics/extra", probe: nil), "without a *, only the exact path")
        #expect(!filter.excludes(path: "/api/v1/me", probe: nil))
    }

    /// Synthetic traffic proves itself with the shared secret; a claim without it (or a User-Agent) is a user's request.
    @Test func syntheticTrafficIsRecognisedByItsSecretOnly() {
        #expect(filter.excludes(path: "/api/v1/me", probe: "probe-secret-0123456789"))
        #expect(!filter.excludes(path: "/api/v1/me", probe: "probe-secret-012345678"), "a prefix of the secret")
        #expect(!filter.excludes(path: "/api/v1/me", probe: "probe-secret-0123456789 "))
        #expect(!filter.excludes(path: "/api/v1/me", probe: ""))
        #expect(!RequestFilter(paths: []).excludes(path: "/api/v1/me", probe: "anything"), "no secret configured: nothing is synthetic")
        #expect(!RequestFilter(paths: [], probeSecret: "").excludes(path: "/api/v1/me", probe: ""), "an empty secret is none")
    }
}
