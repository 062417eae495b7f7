import Synchronization

/// A bounded, thread-safe LRU cache whose entries also expire after a time-to-live.
///
/// - Capacity: when full, inserting a new key evicts the least recently used entry (counted in ``Statistics/evictions``).
/// - Cost: optionally, each value has a cost (its size in bytes, say) and the cache holds at most ``maxTotalCost``:
///   storing a value evicts least recently used entries until the total fits; a value costing more than the whole
///   budget is not stored. A count bound alone lets a few huge values take all the memory.
/// - Time to live: an entry older than its TTL is treated as absent; reading it counts a miss and an expiration.
/// - Clock: injected, so tests move time instead of sleeping.
///
/// Every operation takes one short lock and does O(1) work; nothing waits on I/O.
/// Counters since a cache was created. Monotonic except ``entries``.
public struct CacheStatistics: Sendable, Equatable {
        public var hits: Int = 0
        public var misses: Int = 0
        /// Entries removed to make room for a new one (capacity pressure).
        public var evictions: Int = 0
        /// Entries found past their TTL and dropped.
        public var expirations: Int = 0
        /// Entries currently held (expired entries not yet touched included).
        public var entries: Int = 0
        /// Sum of the held entries' costs (0 without a cost function).
        public var totalCost: Int = 0

        public init(hits: Int = 0, misses: Int = 0, evictions: Int = 0, expirations: Int = 0, entries: Int = 0, totalCost: Int = 0) {
            self.hits = hits
            self.misses = misses
            self.evictions = evictions
            self.expirations = expirations
            self.entries = entries
            self.totalCost = totalCost
        }
}

public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    public typealias Statistics = CacheStatistics

    private struct Node {
        var key: Key
        var value: Value
        var cost: Int
        var expiresAt: C.Instant
        var previous: Int?
        var next: Int?
    }

    /// A doubly linked list threaded through an array, so that LRU moves allocate nothing.
    private struct State {
        var index: [Key: Int] = [:]
        var nodes: [Node] = []
        var freeSlots: [Int] = []
        var head: Int?  // most recently used
        var tail: Int?  // least recently used
        var statistics = Statistics()

        mutating func unlink(_ slot: Int) {
            let node = nodes[slot]
            if let previous = node.previous { nodes[previous].next = node.next } else { head = node.next }
            if let next = node.next { nodes[next].previous = node.previous } else { tail = node.previous }
            nodes[slot].previous = nil
            nodes[slot].next = nil
        }

        mutating func pushFront(_ slot: Int) {
            nodes[slot].previous = nil
            nodes[slot].next = head
            if let head { nodes[head].previous = slot }
            head = slot
            if tail == nil { tail = slot }
        }

        mutating func remove(_ slot: Int) {
            unlink(slot)
            index[nodes[slot].key] = nil
            freeSlots.append(slot)
            statistics.entries -= 1
            statistics.totalCost -= nodes[slot].cost
        }
    }

    public let capacity: Int
    public let timeToLive: Duration
    /// The most the held values may cost together; `Int.max` without a cost function.
    public let maxTotalCost: Int
    private let cost: @Sendable (Value) -> Int
    private let clock: C
    private let state: Mutex<State>

    /// - Parameters:
    ///   - capacity: the most entries held at once; must be at least 1.
    ///   - timeToLive: how long an entry stays valid after it was stored.
    ///   - maxTotalCost: the most the held values may cost together (with `cost`).
    ///   - cost: a value's cost, e.g. its size in bytes; computed once, when it is stored.
    ///   - clock: the clock that decides expiry.
    public init(
        capacity: Int, timeToLive: Duration, maxTotalCost: Int = .max, cost: @escaping @Sendable (Value) -> Int = { _ in 0 }, clock: C
    ) {
        precondition(capacity >= 1, "BoundedCache capacity must be at least 1")
        precondition(maxTotalCost >= 0, "BoundedCache maxTotalCost must not be negative")
        self.capacity = capacity
        self.timeToLive = timeToLive
        self.maxTotalCost = maxTotalCost
        self.cost = cost
        self.clock = clock
        self.state = Mutex(State())
    }

    /// The value for `key`, if present and not expired. Marks it most recently used.
    public func value(forKey key: Key) -> Value? {
        let now = clock.now
        return state.withLock { state in
            guard let slot = state.index[key] else {
                state.statistics.misses += 1
                return nil
            }
            if state.nodes[slot].expiresAt <= now {
                state.remove(slot)
                state.statistics.expirations += 1
                state.statistics.misses += 1
                return nil
            }
            state.statistics.hits += 1
            if state.head != slot {
                state.unlink(slot)
                state.pushFront(slot)
            }
            return state.nodes[slot].value
        }
    }

    /// Stores `value` for `key`, replacing any previous value and restarting its TTL.
    /// - Parameter timeToLive: overrides the cache's TTL for this entry.
    /// A value costing more than ``maxTotalCost`` is not stored (and any previous value for `key` is removed).
    public func setValue(_ value: Value, forKey key: Key, timeToLive: Duration? = nil) {
        let expiresAt = clock.now.advanced(by: timeToLive ?? self.timeToLive)
        let cost = self.cost(value)
        state.withLock { state in
            if let slot = state.index[key] { state.remove(slot) }
            guard cost <= maxTotalCost else { return }
            while state.statistics.entries >= capacity || state.statistics.totalCost + cost > maxTotalCost, let lru = state.tail {
                state.remove(lru)
                state.statistics.evictions += 1
            }
            let node = Node(key: key, value: value, cost: cost, expiresAt: expiresAt, previous: nil, next: nil)
            let slot: Int
            if let free = state.freeSlots.popLast() {
                state.nodes[free] = node
                slot = free
            } else {
                state.nodes.append(node)
                slot = state.nodes.count - 1
            }
            state.index[key] = slot
            state.pushFront(slot)
            state.statistics.entries += 1
            state.statistics.totalCost += cost
        }
    }

    /// Removes the entry for `key`, if any. Not counted as an eviction.
    public func removeValue(forKey key: Key) {
        state.withLock { state in
            if let slot = state.index[key] { state.remove(slot) }
        }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        state.withLock { $0.statistics }
    }
}

extension BoundedCache where C == ContinuousClock {
    /// A cache on the system's continuous clock.
    public convenience init(capacity: Int, timeToLive: Duration, maxTotalCost: Int = .max, cost: @escaping @Sendable (Value) -> Int = { _ in 0 }) {
        self.init(capacity: capacity, timeToLive: timeToLive, maxTotalCost: maxTotalCost, cost: cost, clock: ContinuousClock())
    }
}
