import LookoutHummingbird
import Testing

/// The one rule the metrics, SLA and Sentry middlewares use to leave a request alone.
@Suite struct RequestFilterTests {
    let filter = RequestFilter(paths: ["/metrics", "/health*"], userAgentPrefixes: ["Lookout-Prober/"])

    @Test func exactPathsAndPrefixesAreLeftAlone() {
        #expect(filter.excludes(path: "/metrics", userAgent: nil))
        #expect(filter.excludes(path: "/health", userAgent: nil))
        #expect(filter.excludes(path: "/health/ready", userAgent: nil))
        #expect(!filter.excludes(path: "/metrics/extra", userAgent: nil), "without a *, only the exact path")
        #expect(!filter.excludes(path: "/api/v1/me", userAgent: "curl/8"))
    }

    @Test func syntheticTrafficIsRecognisedByItsUserAgent() {
        #expect(filter.excludes(path: "/api/v1/me", userAgent: "Lookout-Prober/1.0 (check health)"))
        #expect(!filter.excludes(path: "/api/v1/me", userAgent: "Mozilla/5.0 Lookout-Prober/1.0"), "a prefix, not a substring")
        #expect(!RequestFilter(paths: []).excludes(path: "/api/v1/me", userAgent: "Lookout-Prober/1.0"))
    }
}
