import LookoutSLA
import Testing

/// A range of minutes answered from hours and days must cover exactly its minutes, no more, no fewer.
@Suite struct SLARollupTests {
    /// The minutes a piece covers.
    static func minutes(_ piece: (grain: SLARollup.Grain, buckets: Range<Int64>)) -> Range<Int64> {
        (piece.buckets.lowerBound * piece.grain.rawValue)..<(piece.buckets.upperBound * piece.grain.rawValue)
    }

    @Test func piecesCoverEveryRangeExactlyInOrder() {
        var generator = SystemRandomNumberGenerator()
        var ranges: [Range<Int64>] = [0..<1, 59..<61, 60..<120, 1439..<1441, 1440..<2880, 100..<100, -1500..<(-3)]
        for _ in 0..<2_000 {
            let start = Int64.random(in: -10_000...100_000, using: &generator)
            ranges.append(start..<(start + Int64.random(in: 0...(45 * 1440), using: &generator)))
        }
        for range in ranges {
            let pieces = SLARollup.pieces(of: range)
            var next = range.lowerBound
            for piece in pieces {
                #expect(!piece.buckets.isEmpty, "\(range)")
                #expect(Self.minutes(piece).lowerBound == next, "\(range): pieces are contiguous")
                next = Self.minutes(piece).upperBound
            }
            #expect(next == (pieces.isEmpty ? range.lowerBound : range.upperBound), "\(range): the pieces end where the range does")
            #expect(pieces.isEmpty == range.isEmpty)
            #expect(pieces.count <= 5, "minutes, hours, days, hours, minutes at most")
            // A piece of minutes holds no whole hour (it is under two), and one of hours no whole day.
            #expect(pieces.filter { $0.grain == .minute }.allSatisfy { $0.buckets.count < 120 }, "\(range)")
            #expect(pieces.filter { $0.grain == .hour }.allSatisfy { $0.buckets.count < 48 }, "\(range)")
            #expect(range.count < 1440 || pieces.contains { $0.grain != .minute }, "\(range): a long range is not read minute by minute")
        }
    }

    @Test func retentionCountsWholeDaysBackFromTheNewestMinute() {
        let retention = SLARollup.Retention(minuteDays: 2, hourDays: 3, dayDays: 10)
        let newest: Int64 = 100 * 1440 + 30
        #expect(retention.oldestKept(.minute, newest: newest) == newest - 2 * 1440)
        #expect(retention.oldestKept(.hour, newest: newest) == (newest - 3 * 1440) / 60)
        #expect(retention.oldestKept(.day, newest: newest) == 90)
    }
}
