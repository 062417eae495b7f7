import Foundation
import GenerationSQLite
import Logging
import LookoutSLA
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// SLA counts on their way to the database: recorded per minute, flushed by the service, kept across a restart.
@Suite struct SLAStoreTests {
    let noon = Date(timeIntervalSince1970: 1_773_576_000)

    @Test func countsSurviveARestartAndAddUpPerMinute() async throws {
        let directory = try ServiceProcess.temporaryDirectory("lookout-sla")
        let location = SQLiteStorage.Location.file(path: directory.appendingPathComponent("sla.sqlite").path)
        let recorder = SLARecorder()
        for second in 0..<120 {
            recorder.record("error_rate", good: second % 10 != 0, at: noon.addingTimeInterval(Double(second)))
        }
        recorder.record("latency", good: true, at: noon)
        let flusher = SLAFlushService(recorder: recorder, store: try SQLiteStorage.migrated(location: location), logger: Logger(label: "test"))
        await flusher.flush()
        // A second flush of the same minute adds to it.
        recorder.record("error_rate", good: false, at: noon.addingTimeInterval(5))
        await flusher.flush()

        let reopened = try SQLiteStorage.migrated(location: location)
        let minute = Int64(noon.timeIntervalSince1970 / 60)
        let buckets = try await reopened.slaBuckets(objective: "error_rate", minutes: minute..<(minute + 60))
        #expect(buckets == [MinuteBucket(minute: minute, good: 54, total: 61), MinuteBucket(minute: minute + 1, good: 54, total: 60)])
        #expect(try await reopened.slaBuckets(objective: "latency", minutes: minute..<(minute + 1)) == [MinuteBucket(minute: minute, good: 1, total: 1)])
        let status = SLACalculator().status(.errorRate, buckets: buckets, now: noon.addingTimeInterval(150))
        #expect(status.windows.first?.value == 108.0 / 121.0)
    }

    /// The store is down: nothing counted is lost; the next flush writes it.
    @Test func aFailedWriteIsRetriedWithTheNextFlush() async throws {
        final class FlakyStore: SLAStore {
            let failures = Mutex(1)
            let stored = Mutex<[String: [MinuteBucket]]>([:])
            func addSLABuckets(_ buckets: [String: [MinuteBucket]]) async throws {
                let fail = failures.withLock { remaining -> Bool in
                    defer { remaining -= 1 }
                    return remaining > 0
                }
                if fail { throw CancellationError() }
                stored.withLock { stored in for (key, list) in buckets { stored[key, default: []] += list } }
            }
            func slaBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] { [] }
        }
        let store = FlakyStore()
        let recorder = SLARecorder()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let outcomes = Mutex<[Bool]>([])
        let flusher = SLAFlushService(recorder: recorder, store: store, logger: logger, flushed: { ok, _ in outcomes.withLock { $0.append(ok) } })
        recorder.record("availability", good: true, at: noon)
        await flusher.flush()
        #expect(store.stored.withLock { $0 }.isEmpty)
        recorder.record("availability", good: false, at: noon)
        await flusher.flush()
        #expect(outcomes.withLock { $0 } == [false, true], "each flush reported (the Sentry monitor's check-ins)")
        let minute = Int64(noon.timeIntervalSince1970 / 60)
        #expect(store.stored.withLock { $0 } == ["availability": [MinuteBucket(minute: minute, good: 1, total: 2)]])
    }

    /// A report computed while a flush is writing finds every event once: not in neither place (taken from the
    /// recorder, not yet in the database) nor in both. Under load, with every commit synced, that window is long.
    @Test func aReportDuringAFlushCountsEveryEventOnce() async throws {
        final class HeldStore: SLAStore {
            let database: SQLiteStorage
            let writing = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            init(_ database: SQLiteStorage) { self.database = database }
            func addSLABuckets(_ buckets: [String: [MinuteBucket]]) async throws {
                writing.continuation.yield()
                for await _ in release.stream { break }
                try await database.addSLABuckets(buckets)
            }
            func slaBuckets(objective: String, minutes: Range<Int64>) async throws -> [MinuteBucket] {
                try await database.slaBuckets(objective: objective, minutes: minutes)
            }
            func slaSums(objective: String, ranges: [Range<Int64>]) async throws -> [WindowCounts] {
                try await database.slaSums(objective: objective, ranges: ranges)
            }
        }
        let store = HeldStore(try SQLiteStorage.migrated(location: .inMemory))
        let recorder = SLARecorder()
        for second in 0..<10 { recorder.record("error_rate", good: second != 0, at: noon.addingTimeInterval(Double(second))) }
        let flusher = SLAFlushService(recorder: recorder, store: store, logger: Logger(label: "test"))
        let service = SLAStatusService(objectives: [.errorRate], recorder: recorder, store: store)

        let flushing = Task { await flusher.flush() }
        for await _ in store.writing.stream { break }  // the counts have left the recorder and are not stored yet
        let report = Task { try await service.report(now: noon.addingTimeInterval(120)) }
        // Time for a report that did not wait to run in the gap (and count nothing); one that waits is right however long.
        try await Task.sleep(for: .milliseconds(200))
        store.release.continuation.yield()
        await flushing.value
        let hour = try #require(try await report.value.objectives.first?.windows.first { $0.window == "1h" })
        #expect(hour.total == 10)
        #expect(hour.good == 9)
    }

    @Test func theServiceFlushesOnItsClockAndAtShutdown() async throws {
        let clock = ManualClock()
        let recorder = SLARecorder()
        let storage = try SQLiteStorage.migrated(location: .inMemory)
        let flusher = SLAFlushService(recorder: recorder, store: storage, interval: .seconds(10), clock: clock, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [flusher], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let minute = Int64(noon.timeIntervalSince1970 / 60)
        func stored() async throws -> Int64 { try await storage.slaBuckets(objective: "latency", minutes: minute..<(minute + 1)).first?.total ?? 0 }

        recorder.record("latency", good: true, at: noon)
        #expect(try await stored() == 0)
        #expect(try await eventually { clock.advance(by: .seconds(10)); return try await stored() == 1 })
        recorder.record("latency", good: true, at: noon)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await stored() == 2, "the last counts are written on the way out")
    }
}
