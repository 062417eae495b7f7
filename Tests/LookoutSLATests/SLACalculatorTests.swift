import Foundation
import LookoutSLA
import Testing

/// The SLA arithmetic against cases worked out by hand, with "now" injected: thirty days pass in a line.
@Suite struct SLACalculatorTests {
    let calculator = SLACalculator()
    /// 2026-03-15 12:00 UTC (1 773 576 000 s), as an epoch minute; "now" is 30 s into it.
    let noonMinute: Int64 = 1_773_576_000 / 60
    var now: Date { Date(timeIntervalSince1970: Double(noonMinute) * 60 + 30) }

    /// 1 − 0.99 is not 0.01 in binary floating point: budgets are compared to a tolerance.
    func close(_ value: Double, _ expected: Double) -> Bool { abs(value - expected) < 1e-9 * max(1, abs(expected)) }

    func bucket(_ minutesAgo: Int64, good: Int64, total: Int64) -> MinuteBucket {
        MinuteBucket(minute: noonMinute - minutesAgo, good: good, total: total)
    }

    @Test func windowValuesAreTrafficWeightedNotAveragesOfRatios() {
        let buckets = [bucket(1, good: 990, total: 1000), bucket(2, good: 0, total: 10)]
        let result = calculator.result(.errorRate, buckets: buckets, window: .hour, now: now)
        #expect(result.good == 990 && result.total == 1010)
        #expect(result.value == 990.0 / 1010.0, "98.02 %, where the average of the two minutes' ratios would say 49.5 %")
        #expect(!result.compliant)
    }

    @Test func theBudgetIsCountedInEventsAndInTime() {
        // 30 days, target 99 %: 10 000 requests allow 100 bad ones; 50 were bad.
        let buckets = [bucket(60 * 24 * 10, good: 5_000, total: 5_000), bucket(90, good: 4_950, total: 5_000)]
        let status = calculator.status(.errorRate, buckets: buckets, now: now)
        #expect(close(status.budget.allowedBadEvents, 100))
        #expect(status.budget.badEvents == 50)
        #expect(close(status.budget.consumedRatio, 0.5))
        #expect(close(status.budget.remainingRatio, 0.5))
        #expect(close(status.budget.remainingEvents, 50))
        #expect(abs(status.budget.totalSeconds - 25_920) < 1e-6, "1 % of 30 days = 7.2 hours")
        #expect(abs(status.budget.remainingSeconds - 12_960) < 1e-6)
        #expect(status.state == .ok, "half the budget left, nothing burning in the last hour")
        #expect(status.secondsToExhaustion == nil)
    }

    @Test func aFastBurnIsAtRiskWithTheTimeUntilTheBudgetIsGone() throws {
        // The last hour: 1 000 requests, 20 bad = 2 % against an allowed 1 %: burn rate 2.
        let buckets = [bucket(60 * 24 * 20, good: 99_000, total: 99_000), bucket(10, good: 980, total: 1_000)]
        let status = calculator.status(.errorRate, buckets: buckets, now: now)
        let hourly = try #require(status.burnRates.first { $0.window == "1h" }?.rate)
        #expect(abs(hourly - 2) < 1e-9)
        #expect(status.burnRates.map(\.window) == ["5m", "1h", "6h", "3d"])
        #expect(status.state == .atRisk)
        // 100 000 requests allow 1 000 bad; 20 used: 98 % left. At burn rate 2: 0.98 × 30 d / 2 = 14.7 days.
        let seconds = try #require(status.secondsToExhaustion)
        #expect(abs(seconds - 0.98 * 30 * 86_400 / 2) < 1)
    }

    @Test func aSpentBudgetIsBreached() {
        let buckets = [bucket(100, good: 9_800, total: 10_000)]
        let status = calculator.status(.errorRate, buckets: buckets, now: now)
        #expect(status.state == .breached)
        #expect(status.budget.remainingRatio == 0)
        #expect(close(status.budget.consumedRatio, 2))
        #expect(status.secondsToExhaustion == 0)
    }

    @Test func maintenanceIsLeftOutOfTheDenominatorAndReported() {
        let start = Date(timeIntervalSince1970: Double(noonMinute - 30) * 60)
        let maintenance = [MaintenanceWindow(start: start, end: start.addingTimeInterval(10 * 60), reason: "database upgrade")]
        let buckets = [bucket(25, good: 0, total: 500), bucket(5, good: 1_000, total: 1_000)]
        let result = calculator.result(.availability, buckets: buckets, window: .hour, now: now, maintenance: maintenance)
        #expect(result.total == 1_000 && result.good == 1_000, "the failures during maintenance do not count")
        #expect(result.excludedMinutes == 10)
        #expect(result.compliant)
    }

    @Test func smallWindowsAreFlagged() {
        let result = calculator.result(.latency, buckets: [bucket(1, good: 10, total: 12)], window: .hour, now: now)
        #expect(result.insufficientSamples)
        #expect(calculator.result(.latency, buckets: [], window: .hour, now: now).value == nil)
    }

    @Test func thirtyDaysPassAndOldMinutesLeaveTheWindows() {
        let buckets = [bucket(0, good: 0, total: 100)]
        let later = now.addingTimeInterval(30 * 86_400)
        #expect(calculator.result(.errorRate, buckets: buckets, window: .thirtyDays, now: now).total == 100)
        #expect(calculator.result(.errorRate, buckets: buckets, window: .thirtyDays, now: later).total == 0)
        #expect(calculator.result(.errorRate, buckets: buckets, window: .day, now: now.addingTimeInterval(86_310)).total == 100, "1 439 minutes later")
        #expect(calculator.result(.errorRate, buckets: buckets, window: .day, now: now.addingTimeInterval(86_400)).total == 0)
    }

    @Test func calendarMonthsFollowUTCBoundaries() {
        let march = SLAWindow.month(year: 2026, month: 3).minutes(at: now)
        let first = Int64(Date(timeIntervalSince1970: 1_772_323_200).timeIntervalSince1970 / 60)  // 2026-03-01 00:00 UTC
        #expect(march.lowerBound == first)
        #expect(march.count == 31 * 24 * 60)
        let buckets = [MinuteBucket(minute: first - 1, good: 0, total: 50), MinuteBucket(minute: first, good: 40, total: 40)]
        let result = calculator.result(.errorRate, buckets: buckets, window: .month(year: 2026, month: 3), now: now)
        #expect(result.total == 40, "February's last minute is not March's")
        #expect(SLAWindow.month(year: 2026, month: 3).description == "2026-03")
    }
}
