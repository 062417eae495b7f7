import Foundation
import LookoutProber
import LookoutSLA

/// Everything the status page shows, gathered before rendering (rendering itself is pure: model in, HTML out).
public struct StatusPageModel: Sendable {
    /// One synthetic check's row: its state now and its last 90 days.
    public struct CheckRow: Sendable {
        public var status: CheckStatus
        /// 90 entries, oldest first, one per UTC day ending today; nil for a day without runs.
        public var days: [DayUptime?]
        public var recent: [ProbeSample]

        public init(status: CheckStatus, days: [DayUptime?], recent: [ProbeSample]) {
            self.status = status
            self.days = days
            self.recent = recent
        }
    }

    public struct DayUptime: Sendable, Equatable {
        public var day: Date
        public var good: Int64
        public var total: Int64
        public var ratio: Double { total == 0 ? 1 : Double(good) / Double(total) }

        public init(day: Date, good: Int64, total: Int64) {
            self.day = day
            self.good = good
            self.total = total
        }
    }

    public var title: String
    public var generatedAt: Date
    public var checks: [CheckRow]
    public var sla: SLAStatusReport
    public var incidents: [Incident]
    /// The availability target the bars are coloured against (0.995 by default).
    public var availabilityTarget: Double
    /// The response-time threshold drawn on the latency chart, in seconds.
    public var latencyThreshold: Double

    public init(
        title: String, generatedAt: Date, checks: [CheckRow], sla: SLAStatusReport, incidents: [Incident], availabilityTarget: Double = 0.995,
        latencyThreshold: Double = 1
    ) {
        self.title = title
        self.generatedAt = generatedAt
        self.checks = checks
        self.sla = sla
        self.incidents = incidents
        self.availabilityTarget = availabilityTarget
        self.latencyThreshold = latencyThreshold
    }

    /// The 90 UTC days ending with the one containing `now`, as day numbers since the epoch (oldest first).
    public static func days(endingAt now: Date, count: Int = 90) -> [Int64] {
        let today = Int64((now.timeIntervalSince1970 / 86_400).rounded(.down))
        return Array((today - Int64(count) + 1)...today)
    }

    /// Lines up daily buckets (`minute` = day since the epoch) with `days`, nil where there were no runs.
    public static func align(_ buckets: [MinuteBucket], days: [Int64]) -> [DayUptime?] {
        let byDay = Dictionary(buckets.map { ($0.minute, $0) }, uniquingKeysWith: { a, _ in a })
        return days.map { day in
            byDay[day].map { DayUptime(day: Date(timeIntervalSince1970: Double(day) * 86_400), good: $0.good, total: $0.total) }
        }
    }
}
