import Foundation
import GenerationSQLite
import LookoutSLA
import Testing

/// The SQLite store answers windows from rolled-up hours and days; the answers must equal the minute-level ones.
@Suite struct SLARollupStoreTests {
    /// Ten days of random minute buckets, some minutes empty.
    static func history(start: Int64) -> [MinuteBucket] {
        var generator = SystemRandomNumberGenerator()
        return (0..<Int64(10 * 1440)).compactMap { offset in
            guard Int.random(in: 0..<5, using: &generator) > 0 else { return nil }
            let total = Int64.random(in: 1...40, using: &generator)
            return MinuteBucket(minute: start + offset, good: Int64.random(in: 0...total, using: &generator), total: total)
        }
    }

    @Test func aWindowSpanningRolledUpAndMinuteBucketsEqualsTheMinuteLevelAnswer() async throws {
        let storage = try SQLiteStorage.migrated(location: .inMemory)
        let start: Int64 = 29_500_000 + 17  // not on an hour or a day
        let buckets = Self.history(start: start)
        // Stored in several flushes, as the flush service does, one minute split over two of them.
        try await storage.addSLABuckets(["latency": Array(buckets.prefix(5_000))])
        try await storage.addSLABuckets(["latency": Array(buckets.dropFirst(5_000)), "other": [MinuteBucket(minute: start + 3, good: 1, total: 9)]])
        try await storage.addSLABuckets(["latency": [MinuteBucket(minute: start + 100, good: 2, total: 3)]])
        let all = buckets + [MinuteBucket(minute: start + 100, good: 2, total: 3)]

        var generator = SystemRandomNumberGenerator()
        var ranges: [Range<Int64>] = [(start - 1440)..<(start + 11 * 1440), start..<(start + 1), (start + 43)..<(start + 7 * 1440 + 5)]
        for _ in 0..<300 {
            let lower = start + Int64.random(in: -200...(10 * 1440), using: &generator)
            ranges.append(lower..<(lower + Int64.random(in: 0...(4 * 1440), using: &generator)))
        }
        let sums = try await storage.slaSums(objective: "latency", ranges: ranges)
        for (range, sum) in zip(ranges, sums) {
            #expect(sum == MinuteBucket.sum(all, in: range), "\(range)")
        }
    }

    @Test func theStatusReportFromRollupsEqualsTheCalculatorOnMinutes() async throws {
        let storage = try SQLiteStorage.migrated(location: .inMemory)
        let now = Date(timeIntervalSince1970: 1_773_576_000 + 37 * 60 + 12)
        let newest = Int64(now.timeIntervalSince1970 / 60)
        let buckets = Self.history(start: newest - 10 * 1440 + 1)
        try await storage.addSLABuckets(["latency": buckets])
        let maintenance = [
            MaintenanceWindow(id: "a", start: now.addingTimeInterval(-3 * 86_400 - 1_234), end: now.addingTimeInterval(-2 * 86_400), reason: "upgrade"),
            MaintenanceWindow(id: "b", start: now.addingTimeInterval(-2 * 86_400 - 600), end: now.addingTimeInterval(-2 * 86_400 + 600), reason: "overlap"),
            MaintenanceWindow(id: "c", start: now.addingTimeInterval(-40 * 60), end: now.addingTimeInterval(-20 * 60), reason: "recent"),
        ]
        let objective = Objective(name: "latency", target: 0.95, description: "fast")
        let service = SLAStatusService(objectives: [objective], recorder: SLARecorder(), store: storage, maintenance: { maintenance })
        let report = try await service.report(now: now)
        let expected = SLACalculator().status(objective, buckets: buckets, now: now, maintenance: maintenance)
        #expect(report.objectives == SLAStatusReport(source: "local", generatedAt: now, statuses: [expected]).objectives)
        #expect(report.objectives.first?.windows.contains { $0.excludedMinutes > 0 } == true, "the maintenance windows cut the windows")
    }

    @Test func oldBucketsArePurgedByGrain() async throws {
        let retention = SLARollup.Retention(minuteDays: 1, hourDays: 2, dayDays: 3)
        let storage = try SQLiteStorage.migrated(location: .inMemory, slaRetention: retention)
        let day: Int64 = 20_000
        let old = (0..<Int64(5)).map { MinuteBucket(minute: (day + $0) * 1440 + 720, good: 1, total: 1) }
        try await storage.addSLABuckets(["latency": old])
        // The newest minute is day + 4, 12:00: minutes from day + 3, 12:00 are kept, hours from day + 2, 12:00, days from day + 1.
        let newest = (day + 4) * 1440 + 720
        #expect(try await storage.slaBuckets(objective: "latency", minutes: 0..<(newest + 1)).map(\.minute) == [(day + 3) * 1440 + 720, newest])
        #expect(try await storage.slaDailyBuckets(objective: "latency", minutes: 0..<((day + 5) * 1440)).map(\.minute) == [day + 1, day + 2, day + 3, day + 4])
        let hours = try await storage.slaSums(objective: "latency", ranges: [((day + 2) * 1440 + 720)..<((day + 2) * 1440 + 780)])
        #expect(hours == [WindowCounts(good: 1, total: 1)], "the hour of day + 2, 12:00 is kept")
    }
}
