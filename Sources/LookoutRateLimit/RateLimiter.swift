import Synchronization

/// A token bucket per key (a client's address, an account), bounded in memory, behind one short lock.
///
/// Each key keeps one instant, the time at which its bucket will be full again (the generic cell rate algorithm, the
/// token bucket's usual encoding): a request is allowed when that instant is at most one ``RateLimit/period`` minus
/// one ``RateLimit/interval`` ahead, and pushes it one interval further. A key whose instant has passed holds a full
/// bucket, which is the same as holding nothing, so it can be forgotten.
///
/// Memory: at most ``Configuration/maxKeys`` keys. A new key that finds the table full first sweeps out the full
/// buckets (at most once per second); if every key is still busy, it shares one overflow bucket with every other
/// newcomer until room frees up (counted in ``Statistics/overflowed``): under an attack from more addresses than
/// the table holds, the clients already known keep their own buckets and the newcomers are limited together.
///
/// The clock is injected, so tests move time instead of sleeping.
public final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    public struct Configuration: Sendable {
        public var limit: RateLimit
        /// Keys tracked at once. Default: 10 000 (about 1 MB).
        public var maxKeys = 10_000

        public init(limit: RateLimit, maxKeys: Int = 10_000) {
            precondition(maxKeys > 0, "a rate limiter tracks at least one key")
            self.limit = limit
            self.maxKeys = maxKeys
        }
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; the next request of this key is allowed after `retryAfter`.
        case limited(retryAfter: Duration)

        /// For a `Retry-After` header: the wait in whole seconds, rounded up and at least 1 (a client that waits that
        /// long is allowed); nil when allowed.
        public var retryAfterSeconds: Int? {
            guard case .limited(let duration) = self else { return nil }
            let (seconds, attoseconds) = duration.components
            return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        }
    }

    /// Counters since the limiter was made; ``keys`` is the current table size.
    public struct Statistics: Sendable, Equatable {
        public var allowed = 0
        public var limited = 0
        /// Requests of a new key that found the table full of busy keys and used the shared overflow bucket.
        public var overflowed = 0
        public var keys = 0
    }

    private struct State {
        var fullAt: [String: C.Instant] = [:]
        var overflowFullAt: C.Instant?
        var lastSweep: C.Instant?
        var statistics = Statistics()
    }

    public let configuration: Configuration
    private let clock: C
    private let state = Mutex(State())

    public init(configuration: Configuration, clock: C) {
        self.configuration = configuration
        self.clock = clock
    }

    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.keys = state.fullAt.count
            return statistics
        }
    }

    /// Takes one request from `key`'s bucket, or says how long until it may.
    public func acquire(_ key: String) -> Decision {
        decide(key, consume: true)
    }

    /// Whether `key` may make a request now, taking nothing: for limits that count only some outcomes (failed
    /// logins), checked before the work and charged with ``acquire(_:)`` after it.
    public func check(_ key: String) -> Decision {
        decide(key, consume: false)
    }

    private func decide(_ key: String, consume: Bool) -> Decision {
        let now = clock.now
        let interval = configuration.limit.interval
        let tolerance = configuration.limit.period - interval
        return state.withLock { state in
            let known = state.fullAt[key]
            var overflow = false
            if known == nil, consume, state.fullAt.count >= configuration.maxKeys {
                sweep(&state, now: now)
                overflow = state.fullAt.count >= configuration.maxKeys
            }
            let stored = overflow ? state.overflowFullAt : known
            let fullAt = max(stored ?? now, now)
            let ahead = now.duration(to: fullAt)
            guard ahead <= tolerance else {
                if consume { state.statistics.limited += 1 }
                return .limited(retryAfter: ahead - tolerance)
            }
            guard consume else { return .allowed }
            state.statistics.allowed += 1
            if overflow {
                state.statistics.overflowed += 1
                state.overflowFullAt = fullAt.advanced(by: interval)
            } else {
                state.fullAt[key] = fullAt.advanced(by: interval)
            }
            return .allowed
        }
    }

    /// Forgets keys whose bucket has refilled, at most once a second (a full table of busy keys is not swept per request).
    private func sweep(_ state: inout State, now: C.Instant) {
        if let last = state.lastSweep, last.duration(to: now) < .seconds(1) { return }
        state.lastSweep = now
        state.fullAt = state.fullAt.filter { $0.value > now }
    }
}
