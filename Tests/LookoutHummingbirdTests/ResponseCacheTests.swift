import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import LookoutHummingbird

@Suite struct ResponseCacheTests {
    /// A computation that answers "1", "2", … and counts its calls.
    final class Counter: Sendable {
        let calls = Mutex(0)
        func body() -> ResponseCache<ManualClock>.Body {
            let call = calls.withLock { $0 += 1; return $0 }
            return .init(bytes: ByteBuffer(string: "report \(call)"), contentType: "application/json")
        }
    }

    static func get(_ headers: HTTPFields = [:]) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/sla/status", headerFields: headers), body: RequestBody(buffer: ByteBuffer()))
    }

    static func text(_ response: Response) async throws -> String {
        let collected = Collected()
        try await response.body.write(CollectingWriter(into: collected))
        return String(buffer: collected.buffer.withLock { $0 })
    }

    @Test func aBodyIsKeptForMaxAgeThenComputedAgain() async throws {
        let clock = ManualClock()
        let cache = ResponseCache(configuration: .init(maxAge: .seconds(5)), clock: clock)
        let counter = Counter()
        let first = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        clock.advance(by: .seconds(4))
        let second = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        #expect(try await Self.text(first) == "report 1")
        #expect(try await Self.text(second) == "report 1")
        #expect(second.headers[.age] == "4")
        #expect(second.headers[.cacheControl] == "public, max-age=5")
        #expect(second.headers[.eTag] == first.headers[.eTag])
        clock.advance(by: .seconds(1))
        let third = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        #expect(try await Self.text(third) == "report 2")
        #expect(third.headers[.age] == "0")
        #expect(third.headers[.eTag] != first.headers[.eTag])
        #expect(cache.computationCount == 2)
    }

    /// Nothing is kept (max age zero), so only sharing the computation in progress can answer ten requests with one:
    /// the computation waits until the other nine have joined it (without sharing it would wait forever: the time limit
    /// is a hang guard, not a speed bound).
    @Test(.timeLimit(.minutes(1))) func concurrentRequestsShareOneComputation() async throws {
        let cache = ResponseCache(configuration: .init(maxAge: .zero), clock: ManualClock())
        let counter = Counter()
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    let response = try await cache.response(for: "status", request: Self.get()) {
                        while cache.joinedCount < 9 { await Task.yield() }
                        return counter.body()
                    }
                    return try await Self.text(response)
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(bodies == Array(repeating: "report 1", count: 10))
        #expect(counter.calls.withLock { $0 } == 1)
        #expect(cache.computationCount == 1)
        let later = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        #expect(try await Self.text(later) == "report 2", "with max age zero, a request after the computation computes again")
    }

    struct Unavailable: Error {}

    @Test func aFailedComputationIsNotKept() async throws {
        let cache = ResponseCache(configuration: .init(maxAge: .seconds(5)), clock: ManualClock())
        let counter = Counter()
        await #expect(throws: Unavailable.self) {
            try await cache.response(for: "status", request: Self.get()) { throw Unavailable() }
        }
        let response = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        #expect(try await Self.text(response) == "report 1")
    }

    @Test func theOldestKeyGoesWhenTheCacheIsFull() async throws {
        let clock = ManualClock()
        let cache = ResponseCache(configuration: .init(maxAge: .seconds(60), capacity: 2), clock: clock)
        let counter = Counter()
        for key in ["2026-10", "2026-11", "2026-12"] {
            _ = try await cache.response(for: key, request: Self.get()) { counter.body() }
            clock.advance(by: .seconds(1))
        }
        #expect(cache.computationCount == 3)
        _ = try await cache.response(for: "2026-12", request: Self.get()) { counter.body() }
        #expect(cache.computationCount == 3, "the newest is kept")
        _ = try await cache.response(for: "2026-10", request: Self.get()) { counter.body() }
        #expect(cache.computationCount == 4, "the oldest was dropped for the third")
    }

    @Test func aClientWithTheCurrentETagGetsNotModified() async throws {
        let cache = ResponseCache(configuration: .init(maxAge: .seconds(5)), clock: ManualClock())
        let counter = Counter()
        let first = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        let etag = try #require(first.headers[.eTag])
        for sent in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
            let again = try await cache.response(for: "status", request: Self.get([.ifNoneMatch: sent])) { counter.body() }
            #expect(again.status == .notModified, "If-None-Match: \(sent)")
            #expect(again.headers[.eTag] == etag)
            #expect(try await Self.text(again).isEmpty)
        }
        let stale = try await cache.response(for: "status", request: Self.get([.ifNoneMatch: "\"0000000000000000\""])) { counter.body() }
        #expect(stale.status == .ok)
        #expect(try await Self.text(stale) == "report 1")
    }

    @Test func invalidatingMakesTheNextRequestCompute() async throws {
        let cache = ResponseCache(configuration: .init(maxAge: .seconds(5)), clock: ManualClock())
        let counter = Counter()
        _ = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        cache.invalidateAll()
        let response = try await cache.response(for: "status", request: Self.get()) { counter.body() }
        #expect(try await Self.text(response) == "report 2")
    }
}

/// A response body's bytes, collected by ``CollectingWriter``.
final class Collected: Sendable {
    let buffer = Mutex(ByteBuffer())
}

struct CollectingWriter: ResponseBodyWriter {
    let into: Collected
    mutating func write(_ buffer: ByteBuffer) async throws { into.buffer.withLock { $0.writeImmutableBuffer(buffer) } }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
