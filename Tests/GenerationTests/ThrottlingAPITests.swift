import Foundation
import GenerationApp
import GenerationHTTP
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import LookoutRateLimit
import NIOPosix
import Synchronization
import TestSupport
import Testing

/// Abuse costs the abuser (issue #16): registrations and logins limited per client and failed logins per account, the
/// public status reports per client, the password-hashing queue bounded. Clients are told apart by `X-Forwarded-For`
/// (one trusted proxy), as behind the production load balancer. The limiters run on the real clock, so every limit here
/// refills far slower than a slow machine runs the test (one request per 20 minutes), and `Retry-After` is checked within
/// that margin; the exact arithmetic is RateLimiterTests', on a manual clock.
@Suite("Throttling: 429 and 503 with Retry-After, counted")
struct ThrottlingAPITests {
    static func harness(_ configure: (inout AppConfiguration) -> Void) throws -> TestHarness {
        try TestHarness { configuration in
            configuration.rateLimits = .init()
            configuration.rateLimits.trustedProxyHops = 1
            configure(&configuration)
        }
    }

    static func from(_ address: String) -> HTTPFields { [.xForwardedFor: address] }

    @Test("registrations and logins: a client past its limit gets 429 rate-limited with Retry-After; others go on")
    func authPerClient() async throws {
        let harness = try Self.harness { $0.rateLimits.auth = RateLimit(requests: 3, per: .seconds(3600)) }
        try await harness.withClient { client in
            let credentials = #"{"email":"limit@example.com","password":"correct horse battery"}"#
            #expect(try await client.send(.post, "/api/v1/users", headers: Self.from("203.0.113.1"), json: credentials).status == .accepted)
            for _ in 0..<2 {
                #expect(try await client.send(.post, "/api/v1/sessions", headers: Self.from("203.0.113.1"), json: credentials).status == .created)
            }
            let refused = try await client.send(.post, "/api/v1/sessions", headers: Self.from("203.0.113.1"), json: credentials)
            #expect(refused.status == .tooManyRequests)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1000...1200).contains(retryAfter), "one request every 20 minutes: \(retryAfter)")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused["type"] as? String == "/docs#problem-rate-limited")
            #expect(refused["retry_after_seconds"] as? Int == retryAfter)
            #expect((refused["detail"] as? String)?.contains("limit auth: 3/1h") == true)

            let registration = try await client.send(.post, "/api/v1/users", headers: Self.from("203.0.113.1"), json: #"{"email":"other@example.com","password":"correct horse battery"}"#)
            #expect(registration.status == .tooManyRequests, "registrations share the client's bucket")
            #expect(try await client.send(.post, "/api/v1/sessions", headers: Self.from("203.0.113.2"), json: credentials).status == .created, "another client")

            let scraped = try await harness.scrape(client)
            #expect(scraped.value("lookout_requests_throttled_total", ["policy": "auth"]) == 2)
        }
    }

    @Test("failed logins per account: past the limit even the right password waits, from any address; other accounts do not")
    func loginFailuresPerAccount() async throws {
        let harness = try Self.harness { configuration in
            configuration.rateLimits.auth = nil
            configuration.accounts.loginFailureLimit = RateLimit(requests: 3, per: .seconds(3600))
        }
        try await harness.withClient { client in
            _ = try await client.newUser("victim@example.com", password: "correct horse battery")
            _ = try await client.newUser("bystander@example.com", password: "correct horse battery")
            for attempt in 0..<3 {
                let guess = try await client.send(.post, "/api/v1/sessions", headers: Self.from("198.51.100.\(attempt)"), json: #"{"email":"Victim@example.com","password":"guess \#(attempt)"}"#)
                #expect(guess.status == .unauthorized)
            }
            let right = try await client.send(.post, "/api/v1/sessions", headers: Self.from("198.51.100.77"), json: #"{"email":"victim@example.com","password":"correct horse battery"}"#)
            #expect(right.status == .tooManyRequests)
            #expect(right["type"] as? String == "/docs#problem-rate-limited")
            let retryAfter = try #require(right.headers[.retryAfter].flatMap { Int($0) })
            #expect((1000...1200).contains(retryAfter), "one failure is forgiven every 20 minutes: \(retryAfter)")
            let unknown = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"nobody@example.com","password":"guess"}"#)
            #expect(unknown.status == .unauthorized, "an unknown address has a bucket of its own, like any other")
            let bystander = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"bystander@example.com","password":"correct horse battery"}"#)
            #expect(bystander.status == .created)

            let scraped = try await harness.scrape(client)
            #expect(scraped.value("lookout_requests_throttled_total", ["policy": "login_failures"]) == 1)
            #expect(scraped.value("lookout_logins_total", ["outcome": "failure"]) == 4)
        }
    }

    @Test("the public status reports are limited per client; the maintenance list is not")
    func statusPerClient() async throws {
        let harness = try Self.harness { $0.rateLimits.status = RateLimit(requests: 2, per: .seconds(7200)) }
        try await harness.withClient { client in
            #expect(try await client.send(.get, "/sla/status", headers: Self.from("203.0.113.5")).status == .ok)
            #expect(try await client.send(.get, "/status", headers: Self.from("203.0.113.5")).status == .ok)
            let refused = try await client.send(.get, "/sla/report", headers: Self.from("203.0.113.5"))
            #expect(refused.status == .tooManyRequests)
            #expect((3400...3600).contains(refused.headers[.retryAfter].flatMap { Int($0) } ?? 0))
            #expect(refused["type"] as? String == "/docs#problem-rate-limited")
            #expect(try await client.send(.get, "/sla/status", headers: Self.from("203.0.113.6")).status == .ok)
            for _ in 0..<3 {
                #expect(try await client.send(.get, "/sla/maintenance", headers: Self.from("203.0.113.5")).status == .ok)
            }
            #expect(try await harness.scrape(client).value("lookout_requests_throttled_total", ["policy": "status"]) == 1)
        }
    }

    @Test("a full password-hashing queue answers 503 overloaded with Retry-After at once instead of queueing")
    func hashingQueueBounded() async throws {
        // One hashing thread, held by a job that waits for the test: the first hash queues behind it, the second finds
        // the queue (of one) full.
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let release = DispatchSemaphore(value: 0)
        pool.submit { _ in release.wait() }
        let hasher = PasswordHasher(maxPending: 1, threadPool: pool)
        let first = Task { try await hasher.hash("correct horse battery") }
        #expect(await eventually { hasher.pendingCount == 1 })
        await #expect(throws: ServiceError.retryLater(.overloaded, "too many logins and registrations in progress; retry shortly", after: 1)) {
            try await hasher.verifyAgainstDummy("guess")
        }
        release.signal()
        #expect(try await first.value.hasPrefix("pbkdf2-sha256$"))
        #expect(hasher.pendingCount == 0)
        try await pool.shutdownGracefully()
    }

    @Test("the 503 of a full hashing queue reaches the client as a problem with Retry-After, and is counted")
    func overloadedProblem() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let release = DispatchSemaphore(value: 0)
        pool.submit { _ in release.wait() }
        let harness = try TestHarness()
        let hasher = PasswordHasher(maxPending: 1, threadPool: pool)
        let accounts = AccountService(store: harness.storage, hasher: hasher, observer: harness.assembly.observer)
        let queued = Task { try await accounts.register(email: "first@example.com", password: "correct horse battery") }
        #expect(await eventually { hasher.pendingCount == 1 })
        let error = await #expect(throws: ServiceError.self) {
            try await accounts.register(email: "second@example.com", password: "correct horse battery")
        }
        #expect(error?.code == .overloaded)
        let problem = ProblemDetails(try #require(error))
        #expect(problem.status == .serviceUnavailable)
        #expect(problem.headers[.retryAfter] == "1")
        release.signal()
        _ = try await queued.value
        let scraped = try await harness.withClient { client in try await harness.scrape(client) }
        #expect(scraped.value("lookout_requests_throttled_total", ["policy": "password_hashing"]) == 1)
        try await pool.shutdownGracefully()
    }
}
