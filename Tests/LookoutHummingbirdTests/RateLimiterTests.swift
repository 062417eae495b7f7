import LookoutRateLimit
import TestSupport
import Testing

@Suite("Rate limits: token buckets per key")
struct RateLimiterTests {
    @Test("N/PERIOD parses into a limit and prints back; anything else is refused")
    func parsing() throws {
        let limit = try #require(RateLimit(parsing: "20/1m"))
        #expect(limit == RateLimit(requests: 20, per: .seconds(60)))
        #expect(limit.interval == .seconds(3))
        #expect(limit.description == "20/1m")
        #expect(RateLimit(parsing: "5/10s")?.period == .seconds(10))
        #expect(RateLimit(parsing: "1000/2h")?.description == "1000/2h")
        for bad in ["", "20", "20/", "/1m", "0/1m", "20/0m", "-1/1m", "20/1d", "20/m", "twenty/1m", "20/1m/2", "off"] {
            #expect(RateLimit(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("a key gets its burst at once, then one request per interval; Retry-After says when the next one is allowed")
    func burstThenInterval() {
        let clock = ManualClock()
        let limiter = RateLimiter(configuration: .init(limit: RateLimit(requests: 3, per: .seconds(60))), clock: clock)
        for _ in 0..<3 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") == .limited(retryAfter: .seconds(20)))
        #expect(limiter.acquire("a").retryAfterSeconds == 20)

        clock.advance(by: .seconds(19))
        #expect(limiter.acquire("a").retryAfterSeconds == 1, "19.x s waited: one second to go, rounded up")
        clock.advance(by: .seconds(1))
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.acquire("a") != .allowed, "one interval gives back one request, not the burst")

        clock.advance(by: .seconds(60))
        for _ in 0..<3 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") != .allowed)
        #expect(limiter.statistics.allowed == 7)
        #expect(limiter.statistics.limited == 5)
    }

    @Test("keys are independent, and check() answers without taking a request")
    func keysAndCheck() {
        let clock = ManualClock()
        let limiter = RateLimiter(configuration: .init(limit: RateLimit(requests: 1, per: .seconds(10))), clock: clock)
        #expect(limiter.check("a") == .allowed)
        #expect(limiter.check("a") == .allowed, "check takes nothing")
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.check("a") == .limited(retryAfter: .seconds(10)))
        #expect(limiter.acquire("b") == .allowed, "another key has its own bucket")
        #expect(limiter.statistics.limited == 0, "a check is not a refusal")
    }

    @Test("a full table forgets refilled keys; when every key is busy, newcomers share one overflow bucket")
    func boundedTable() {
        let clock = ManualClock()
        let limiter = RateLimiter(configuration: .init(limit: RateLimit(requests: 2, per: .seconds(10)), maxKeys: 2), clock: clock)
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.acquire("b") == .allowed)
        #expect(limiter.statistics.keys == 2)

        // Table full, both busy: "c" and "d" share the overflow bucket of two.
        #expect(limiter.acquire("c") == .allowed)
        #expect(limiter.acquire("d") == .allowed)
        #expect(limiter.acquire("c") != .allowed, "the overflow bucket is spent")
        #expect(limiter.acquire("a") == .allowed, "known keys keep their own bucket")
        #expect(limiter.statistics.overflowed == 2)
        #expect(limiter.statistics.keys == 2)

        // Ten seconds on, "a" and "b" have refilled: the next newcomer sweeps them out and gets a bucket of its own.
        clock.advance(by: .seconds(11))
        #expect(limiter.acquire("c") == .allowed)
        #expect(limiter.acquire("c") == .allowed)
        #expect(limiter.acquire("c") != .allowed)
        #expect(limiter.statistics.keys == 1)
        #expect(limiter.statistics.overflowed == 2)
    }
}
