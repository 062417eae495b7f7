import Foundation

/// A span of time an objective is judged over.
public enum SLAWindow: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The last `minutes` minutes, up to and including the current one.
    case rolling(minutes: Int64)
    /// A calendar month in UTC (`year`, `month` 1–12).
    case month(year: Int, month: Int)

    public static let hour = SLAWindow.rolling(minutes: 60)
    public static let day = SLAWindow.rolling(minutes: 24 * 60)
    public static let week = SLAWindow.rolling(minutes: 7 * 24 * 60)
    public static let thirtyDays = SLAWindow.rolling(minutes: 30 * 24 * 60)

    /// The Gregorian calendar in UTC: SLA months do not move with the server's time zone.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The calendar month (UTC) that contains `date`.
    public static func month(containing date: Date) -> SLAWindow {
        let parts = utc.dateComponents([.year, .month], from: date)
        return .month(year: parts.year!, month: parts.month!)
    }

    public var description: String {
        switch self {
        case .rolling(let minutes) where minutes % (24 * 60) == 0: "\(minutes / (24 * 60))d"
        case .rolling(let minutes) where minutes % 60 == 0: "\(minutes / 60)h"
        case .rolling(let minutes): "\(minutes)m"
        case .month(let year, let month): String(format: "%04d-%02d", year, month)
        }
    }

    /// The minutes it covers, as a half-open range of epoch minutes, at `now`.
    public func minutes(at now: Date) -> Range<Int64> {
        let current = Int64((now.timeIntervalSince1970 / 60).rounded(.down))
        switch self {
        case .rolling(let minutes):
            return (current - minutes + 1)..<(current + 1)
        case .month(let year, let month):
            let start = Self.utc.date(from: DateComponents(year: year, month: month, day: 1))!
            let end = Self.utc.date(byAdding: .month, value: 1, to: start)!
            return Int64(start.timeIntervalSince1970 / 60)..<Int64(end.timeIntervalSince1970 / 60)
        }
    }
}

/// A period left out of every window (planned maintenance), as a half-open range of epoch minutes.
public struct MaintenanceWindow: Sendable, Equatable, Hashable, Codable {
    /// Where a window was declared: the SLO file, or the maintenance API (stored in the database).
    public enum Source: String, Sendable, Codable {
        case configuration, api
    }

    /// `config-N` for the SLO file's N-th window; a random id for the API's.
    public var id: String
    public var start: Date
    public var end: Date
    public var reason: String
    public var source: Source

    public init(id: String = "", start: Date, end: Date, reason: String, source: Source = .configuration) {
        self.id = id
        self.start = start
        self.end = end
        self.reason = reason
        self.source = source
    }

    var minutes: Range<Int64> {
        Int64((start.timeIntervalSince1970 / 60).rounded(.down))..<Int64((end.timeIntervalSince1970 / 60).rounded(.up))
    }
}

/// Good and total events of one objective over one window, and the minutes left out for maintenance.
public struct WindowCounts: Sendable, Equatable {
    public var good: Int64
    public var total: Int64
    public var excludedMinutes: Int64

    public init(good: Int64, total: Int64, excludedMinutes: Int64 = 0) {
        self.good = good
        self.total = total
        self.excludedMinutes = excludedMinutes
    }
}

/// One objective over one window.
public struct WindowResult: Sendable, Equatable {
    public var window: SLAWindow
    public var good: Int64
    public var total: Int64
    /// good / total; nil without events.
    public var value: Double?
    public var compliant: Bool
    /// Fewer events than the objective's `minimumSamples`: the value says little.
    public var insufficientSamples: Bool
    /// Minutes of the window left out for maintenance.
    public var excludedMinutes: Int64
}

/// The error budget of an objective over its budget window.
public struct ErrorBudget: Sendable, Equatable {
    /// Bad events the window allows: (1 − target) × total.
    public var allowedBadEvents: Double
    public var badEvents: Int64
    /// consumed / allowed (above 1 when overspent); 0 without events.
    public var consumedRatio: Double
    /// 1 − consumedRatio, never below 0.
    public var remainingRatio: Double
    /// Bad events still allowed (negative when overspent).
    public var remainingEvents: Double
    /// The budget as time: the window's length × (1 − target), in seconds.
    public var totalSeconds: Double
    public var remainingSeconds: Double
}

public enum ObjectiveState: String, Sendable, Equatable {
    /// Within budget and not burning it fast.
    case ok
    /// Burning faster than the budget allows (1 h burn rate above 1) or less than a quarter of the budget left.
    case atRisk = "at_risk"
    /// The budget window's value is below target: the budget is spent.
    case breached
}

/// Everything `GET /sla/status` says about one objective.
public struct ObjectiveStatus: Sendable, Equatable {
    public var objective: Objective
    public var windows: [WindowResult]
    public var budget: ErrorBudget
    /// Burn rate by window name (`5m`, `1h`, `6h`, `3d`): observed bad ratio / allowed bad ratio; nil without events.
    public var burnRates: [(window: String, rate: Double?)]
    /// At the 1 h burn rate, how long until the budget is gone; nil when not burning (or already gone: 0).
    public var secondsToExhaustion: Double?
    public var state: ObjectiveState

    public static func == (lhs: ObjectiveStatus, rhs: ObjectiveStatus) -> Bool {
        lhs.objective == rhs.objective && lhs.windows == rhs.windows && lhs.budget == rhs.budget
            && lhs.burnRates.map(\.window) == rhs.burnRates.map(\.window) && lhs.burnRates.map(\.rate) == rhs.burnRates.map(\.rate)
            && lhs.secondsToExhaustion == rhs.secondsToExhaustion && lhs.state == rhs.state
    }
}

/// The SLA arithmetic, pure: per-minute buckets in, window values, budgets, burn rates and a state out.
///
/// Window values are sums of good over sums of total (traffic-weighted), never averages of per-minute ratios. Minutes
/// inside a maintenance window are left out of both.
public struct SLACalculator: Sendable {
    /// The windows reported. Default: 1 h, 24 h, 7 d, 30 d.
    public var windows: [SLAWindow] = [.hour, .day, .week, .thirtyDays]
    /// The window the error budget is counted over. Default: 30 days.
    public var budgetWindow: SLAWindow = .thirtyDays
    /// Burn-rate windows. Default: 5 m, 1 h, 6 h, 3 d (the pairs of multi-window alerts).
    public var burnRateWindows: [SLAWindow] = [.rolling(minutes: 5), .hour, .rolling(minutes: 6 * 60), .rolling(minutes: 3 * 24 * 60)]

    public init() {}

    /// Good and total events of one window, summed from minute buckets, maintenance left out.
    public func counts(buckets: [MinuteBucket], window: SLAWindow, now: Date, maintenance: [MaintenanceWindow] = []) -> WindowCounts {
        let counted = countedRanges(window, now: now, maintenance: maintenance)
        var counts = WindowCounts(good: 0, total: 0, excludedMinutes: counted.excludedMinutes)
        for range in counted.ranges {
            let sum = MinuteBucket.sum(buckets, in: range)
            counts.good += sum.good
            counts.total += sum.total
        }
        return counts
    }

    /// The minutes of `window` at `now` that count, as disjoint ranges in order (the window with every maintenance
    /// window cut out), and how many minutes were cut. A store sums each range (``SLAStore/slaSums(objective:ranges:)``).
    public func countedRanges(_ window: SLAWindow, now: Date, maintenance: [MaintenanceWindow]) -> (ranges: [Range<Int64>], excludedMinutes: Int64) {
        let range = window.minutes(at: now)
        var ranges: [Range<Int64>] = []
        var start = range.lowerBound
        var excluded: Int64 = 0
        for cut in Self.merged(maintenance.map(\.minutes)) where cut.upperBound > start && cut.lowerBound < range.upperBound {
            if cut.lowerBound > start { ranges.append(start..<cut.lowerBound) }
            let end = min(cut.upperBound, range.upperBound)
            excluded += end - max(cut.lowerBound, start)
            start = end
        }
        if start < range.upperBound { ranges.append(start..<range.upperBound) }
        return (ranges, excluded)
    }

    /// Overlapping or touching ranges joined, in order (two maintenance windows over the same minutes cut them once).
    static func merged(_ ranges: [Range<Int64>]) -> [Range<Int64>] {
        var merged: [Range<Int64>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// Every window a status needs (reported, budget, burn rates), once each.
    public var allWindows: [SLAWindow] {
        var seen: [SLAWindow] = []
        for window in windows + [budgetWindow] + burnRateWindows where !seen.contains(window) { seen.append(window) }
        return seen
    }

    /// Each window's counts from `store`: one call per objective, summing the counted ranges of every window; the
    /// buckets counted but not yet flushed (`pending`) are added in memory.
    public func counts(
        _ objective: String, store: any SLAStore, pending: [MinuteBucket], now: Date, maintenance: [MaintenanceWindow]
    ) async throws -> [SLAWindow: WindowCounts] {
        let windows = allWindows
        let counted = windows.map { countedRanges($0, now: now, maintenance: maintenance) }
        let sums = try await store.slaSums(objective: objective, ranges: counted.flatMap(\.ranges))
        var result: [SLAWindow: WindowCounts] = [:]
        var next = 0
        for (window, part) in zip(windows, counted) {
            var counts = WindowCounts(good: 0, total: 0, excludedMinutes: part.excludedMinutes)
            for range in part.ranges {
                let pendingSum = MinuteBucket.sum(pending, in: range)
                counts.good += sums[next].good + pendingSum.good
                counts.total += sums[next].total + pendingSum.total
                next += 1
            }
            result[window] = counts
        }
        return result
    }

    public func result(_ objective: Objective, counts: WindowCounts, window: SLAWindow) -> WindowResult {
        let value = counts.total > 0 ? Double(counts.good) / Double(counts.total) : nil
        return WindowResult(
            window: window, good: counts.good, total: counts.total, value: value, compliant: value.map { $0 >= objective.target } ?? true,
            insufficientSamples: counts.total < objective.minimumSamples, excludedMinutes: counts.excludedMinutes
        )
    }

    public func result(_ objective: Objective, buckets: [MinuteBucket], window: SLAWindow, now: Date, maintenance: [MaintenanceWindow] = []) -> WindowResult {
        result(objective, counts: counts(buckets: buckets, window: window, now: now, maintenance: maintenance), window: window)
    }

    /// Observed bad ratio over the allowed one; nil without events.
    public func burnRate(_ objective: Objective, counts: WindowCounts) -> Double? {
        guard counts.total > 0 else { return nil }
        return (1 - Double(counts.good) / Double(counts.total)) / objective.budgetRatio
    }

    public func burnRate(_ objective: Objective, buckets: [MinuteBucket], window: SLAWindow, now: Date, maintenance: [MaintenanceWindow] = []) -> Double? {
        burnRate(objective, counts: counts(buckets: buckets, window: window, now: now, maintenance: maintenance))
    }

    public func status(_ objective: Objective, buckets: [MinuteBucket], now: Date, maintenance: [MaintenanceWindow] = []) -> ObjectiveStatus {
        status(objective, now: now) { counts(buckets: buckets, window: $0, now: now, maintenance: maintenance) }
    }

    /// The status from each window's counts, however they were obtained (minute buckets, or Prometheus's recording rules).
    public func status(_ objective: Objective, now: Date, counts: (SLAWindow) -> WindowCounts) -> ObjectiveStatus {
        let windows = windows.map { result(objective, counts: counts($0), window: $0) }
        let budgetResult = result(objective, counts: counts(budgetWindow), window: budgetWindow)
        let allowed = objective.budgetRatio * Double(budgetResult.total)
        let bad = budgetResult.total - budgetResult.good
        let consumed = allowed > 0 ? Double(bad) / allowed : (bad > 0 ? Double.infinity : 0)
        let windowSeconds = Double(budgetWindow.minutes(at: now).count - Int(budgetResult.excludedMinutes)) * 60
        let totalSeconds = windowSeconds * objective.budgetRatio
        let remainingRatio = max(0, 1 - consumed)
        let budget = ErrorBudget(
            allowedBadEvents: allowed, badEvents: bad, consumedRatio: consumed, remainingRatio: remainingRatio,
            remainingEvents: allowed - Double(bad), totalSeconds: totalSeconds, remainingSeconds: totalSeconds * remainingRatio
        )
        let burnRates = burnRateWindows.map { ($0.description, burnRate(objective, counts: counts($0))) }
        let hourly = burnRate(objective, counts: counts(.hour))
        // Time to exhaustion = remaining budget × period / burn rate (SRE workbook).
        var secondsToExhaustion: Double?
        if remainingRatio == 0, bad > 0 {
            secondsToExhaustion = 0
        } else if let hourly, hourly > 0 {
            secondsToExhaustion = remainingRatio * windowSeconds / hourly
        }
        let state: ObjectiveState
        if budgetResult.total > 0, !budgetResult.compliant {
            state = .breached
        } else if (hourly ?? 0) > 1 || (budgetResult.total > 0 && remainingRatio < 0.25) {
            state = .atRisk
        } else {
            state = .ok
        }
        return ObjectiveStatus(
            objective: objective, windows: windows, budget: budget, burnRates: burnRates, secondsToExhaustion: secondsToExhaustion, state: state
        )
    }
}
