/// How a store keeps SLA history so that a report's cost depends on its windows, not on the minutes in them.
///
/// Minute buckets are summed into hour and day buckets as they are stored (the same transaction), and a range of
/// minutes is answered from the coarsest buckets that fit inside it plus minute buckets at its edges
/// (``pieces(of:)``): at most 59 + 23 minutes and hours at each end and the days between, exact to the minute.
/// Old buckets are purged by grain (``Retention``).
public enum SLARollup {
    /// The size of a bucket.
    public enum Grain: Int64, Sendable, CaseIterable {
        case minute = 1
        case hour = 60
        case day = 1440
    }

    /// How long each grain is kept, in days. Minutes must cover the longest rolling window (and its far edge), hours
    /// nothing more (they serve the same windows), days as long as reports and the status page's 90 bars are wanted.
    public struct Retention: Sendable, Equatable {
        /// Default 35: the 30-day window and its edge, with days to spare.
        public var minuteDays: Int64 = 35
        /// Default 35, like the minutes whose edges they complete.
        public var hourDays: Int64 = 35
        /// Default 400: a year of monthly reports, and the status page's 90 days.
        public var dayDays: Int64 = 400

        public init(minuteDays: Int64 = 35, hourDays: Int64 = 35, dayDays: Int64 = 400) {
            self.minuteDays = minuteDays
            self.hourDays = hourDays
            self.dayDays = dayDays
        }

        /// The first bucket of each grain kept when the newest minute stored is `newest` (in that grain's units).
        public func oldestKept(_ grain: Grain, newest: Int64) -> Int64 {
            let days = switch grain {
            case .minute: minuteDays
            case .hour: hourDays
            case .day: dayDays
            }
            return floorDiv(newest - days * 1440, grain.rawValue)
        }
    }

    /// `range` (epoch minutes, half-open) as disjoint pieces, each a range of whole buckets of one grain (in that
    /// grain's units: hours since the epoch for `.hour`), in order: minutes up to the first whole hour, hours up to
    /// the first whole day, the whole days, then hours and minutes after the last.
    public static func pieces(of range: Range<Int64>) -> [(grain: Grain, buckets: Range<Int64>)] {
        guard !range.isEmpty else { return [] }
        let firstDay = ceilDiv(range.lowerBound, Grain.day.rawValue), endDay = floorDiv(range.upperBound, Grain.day.rawValue)
        guard firstDay < endDay else { return hoursAndMinutes(range) }
        return hoursAndMinutes(range.lowerBound..<(firstDay * Grain.day.rawValue)) + [(.day, firstDay..<endDay)]
            + hoursAndMinutes((endDay * Grain.day.rawValue)..<range.upperBound)
    }

    private static func hoursAndMinutes(_ range: Range<Int64>) -> [(grain: Grain, buckets: Range<Int64>)] {
        guard !range.isEmpty else { return [] }
        let firstHour = ceilDiv(range.lowerBound, Grain.hour.rawValue), endHour = floorDiv(range.upperBound, Grain.hour.rawValue)
        guard firstHour < endHour else { return [(.minute, range)] }
        var pieces: [(grain: Grain, buckets: Range<Int64>)] = []
        if range.lowerBound < firstHour * 60 { pieces.append((.minute, range.lowerBound..<(firstHour * 60))) }
        pieces.append((.hour, firstHour..<endHour))
        if endHour * 60 < range.upperBound { pieces.append((.minute, (endHour * 60)..<range.upperBound)) }
        return pieces
    }

    /// The bucket of `grain` that contains `minute` (floored, so minutes before 1970 fall in the right one too).
    public static func bucket(_ minute: Int64, _ grain: Grain) -> Int64 { floorDiv(minute, grain.rawValue) }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 { -floorDiv(-value, divisor) }
}

private func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 { SLARollup.floorDiv(value, divisor) }
