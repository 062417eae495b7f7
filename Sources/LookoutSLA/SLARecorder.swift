import Foundation
import Synchronization

/// Counts good and total events per objective and minute on the hot path, until ``SLAFlushService`` moves them to an
/// ``SLAStore``. One short lock per event; nothing waits for the store.
///
/// A report adds what is pending here to what is stored. A flush takes the counts from here and then writes them, so a
/// report read between the two would find them in neither place (or, the other way round, in both): the move
/// (``flush(into:)``) and the reads that add both up (``reading(_:)``) take turns through one gate. Recording never
/// waits for it.
public final class SLARecorder: Sendable {
    private struct Key: Hashable {
        var objective: String
        var minute: Int64
    }

    private let pending = Mutex<[Key: (good: Int64, total: Int64)]>([:])
    private let sink: (any SLAEventSink)?
    private let handoff = AsyncGate()

    /// - Parameter sink: also told of every event (the service exports them as counters, so that Prometheus can sum
    ///   every replica's events).
    public init(sink: (any SLAEventSink)? = nil) {
        self.sink = sink
    }

    /// Counts one event of `objective` at `date`.
    public func record(_ objective: String, good: Bool, at date: Date) {
        record([(objective, good)], at: date)
    }

    /// Counts several objectives' events at once (one lock): what a finished request reports.
    public func record(_ events: [(objective: String, good: Bool)], at date: Date) {
        let minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        pending.withLock { pending in
            for event in events {
                let key = Key(objective: event.objective, minute: minute)
                var counts = pending[key] ?? (0, 0)
                counts.total += 1
                if event.good { counts.good += 1 }
                pending[key] = counts
            }
        }
        sink?.counted(events)
    }

    /// Takes everything counted so far, by objective, oldest minute first.
    public func drain() -> [String: [MinuteBucket]] {
        Self.buckets(pending.withLock { pending in
            defer { pending = [:] }
            return pending
        })
    }

    /// What is counted and not yet flushed, without taking it.
    public func snapshot() -> [String: [MinuteBucket]] {
        Self.buckets(pending.withLock { $0 })
    }

    private static func buckets(_ taken: [Key: (good: Int64, total: Int64)]) -> [String: [MinuteBucket]] {
        var result: [String: [MinuteBucket]] = [:]
        for (key, counts) in taken {
            result[key.objective, default: []].append(MinuteBucket(minute: key.minute, good: counts.good, total: counts.total))
        }
        return result.mapValues { $0.sorted { $0.minute < $1.minute } }
    }

    /// Moves everything counted so far to the store through `write`; when it throws, the counts are put back (to be
    /// written next time) and the error is rethrown. Reports wait while the move is under way.
    public func flush(into write: ([String: [MinuteBucket]]) async throws -> Void) async throws {
        try await handoff.run {
            let buckets = drain()
            guard !buckets.isEmpty else { return }
            do {
                try await write(buckets)
            } catch {
                restore(buckets)
                throw error
            }
        }
    }

    /// Runs `body` with what is pending, while no flush moves counts to the store: what `body` reads from the store
    /// and the pending counts it is given add up to everything counted, each event once.
    public func reading<T>(_ body: ([String: [MinuteBucket]]) async throws -> T) async rethrows -> T {
        try await handoff.run { try await body(snapshot()) }
    }

    /// Puts counts back after a failed write, so that a store outage loses nothing.
    public func restore(_ buckets: [String: [MinuteBucket]]) {
        pending.withLock { pending in
            for (objective, list) in buckets {
                for bucket in list {
                    let key = Key(objective: objective, minute: bucket.minute)
                    let counts = pending[key] ?? (0, 0)
                    pending[key] = (counts.good + bucket.good, counts.total + bucket.total)
                }
            }
        }
    }
}

/// Told of every event the ``SLARecorder`` counts, outside its lock.
public protocol SLAEventSink: Sendable {
    func counted(_ events: [(objective: String, good: Bool)])
}

/// Where minute buckets are kept, so that a restart keeps the history.
public protocol SLAStore: Sendable {
    /// Adds the counts to what is stored for the same objective and minute.
    func addSLABuckets(_ buckets: [String: [MinuteBucket]]) async throws
    /// The stored buckets of `objective` whose minute lies in `minutes`, oldest first.
    func slaBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket]
    /// Good and total per UTC day (days since the epoch, in `MinuteBucket.minute`) over `minutes`, oldest first: what
    /// the status page's 90-day bars show. The default sums ``slaBuckets(objective:minutes:)``; a database sums in SQL.
    func slaDailyBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket]
    /// Good and total of `objective` summed over each of `ranges` (half-open ranges of epoch minutes), in order: what
    /// a window's value needs. The default sums ``slaBuckets(objective:minutes:)``; a database answers from hours and
    /// days rolled up as the minutes arrive, so that a report costs the number of ranges, not the minutes in them.
    func slaSums(objective: String, ranges: [Range<Int64>]) async throws -> [WindowCounts]
}

extension SLAStore {
    public func slaSums(objective: String, ranges: [Range<Int64>]) async throws -> [WindowCounts] {
        guard let low = ranges.map(\.lowerBound).min(), let high = ranges.map(\.upperBound).max(), low < high else {
            return ranges.map { _ in WindowCounts(good: 0, total: 0) }
        }
        let buckets = try await slaBuckets(objective: objective, minutes: low..<high)
        return ranges.map { MinuteBucket.sum(buckets, in: $0) }
    }

    public func slaDailyBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] {
        MinuteBucket.daily(try await slaBuckets(objective: objective, minutes: minutes))
    }
}

extension MinuteBucket {
    /// Good and total of the buckets whose minute lies in `range`.
    public static func sum(_ buckets: [MinuteBucket], in range: Range<Int64>) -> WindowCounts {
        var counts = WindowCounts(good: 0, total: 0)
        for bucket in buckets where range.contains(bucket.minute) {
            counts.good += bucket.good
            counts.total += bucket.total
        }
        return counts
    }

    /// Sums minute buckets per UTC day; `minute` of each result is the day since the epoch.
    public static func daily(_ buckets: [MinuteBucket]) -> [MinuteBucket] {
        var days: [Int64: MinuteBucket] = [:]
        for bucket in buckets {
            let day = bucket.minute >= 0 ? bucket.minute / 1440 : (bucket.minute - 1439) / 1440
            var total = days[day] ?? MinuteBucket(minute: day, good: 0, total: 0)
            total.good += bucket.good
            total.total += bucket.total
            days[day] = total
        }
        return days.values.sorted { $0.minute < $1.minute }
    }

    /// Sums buckets of the same period (`minute`) across lists, oldest first.
    public static func merged(_ lists: [MinuteBucket]...) -> [MinuteBucket] {
        var sums: [Int64: MinuteBucket] = [:]
        for bucket in lists.joined() {
            var sum = sums[bucket.minute] ?? MinuteBucket(minute: bucket.minute, good: 0, total: 0)
            sum.good += bucket.good
            sum.total += bucket.total
            sums[bucket.minute] = sum
        }
        return sums.values.sorted { $0.minute < $1.minute }
    }
}

/// A lock for async code: one `run` at a time, the others wait in order (without blocking a thread). Not reentrant.
final class AsyncGate: Sendable {
    private let state = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiting.append(turn)
                return false
            }
            if now { turn.resume() }
        }
        defer {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.waiting.isEmpty else {
                    state.busy = false
                    return nil
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
