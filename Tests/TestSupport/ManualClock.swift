import Foundation
import Synchronization

/// A clock that only moves when a test says so. `sleep` returns once the clock has been advanced past the deadline.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    public init() {}

    public var now: Instant { current.withLock { $0 } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline {
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Wall-clock time a test controls, for code that stores timestamps (`@Sendable () -> Date`).
public final class ManualWallClock: Sendable {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(bySeconds seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
