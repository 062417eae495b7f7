import Foundation
import LookoutProber
import LookoutSLA
@testable import LookoutStatusPage
import Testing

/// The status page as HTML: self-contained, and saying what the data says.
@Suite struct StatusPageTests {
    let now = Date(timeIntervalSince1970: 1_796_090_400)  // 2026-12-01 02:00 UTC

    func model(down: Bool) -> StatusPageModel {
        let check = ProbeCheck.get("api <health>", url: "/health")
        let board = ProbeStatusBoard(checks: [check])
        for index in 0..<3 {
            board.record(
                ProbeOutcome(
                    check: check.name, startedAt: now.addingTimeInterval(Double(index - 3) * 30), duration: 0.2 + Double(index) / 10,
                    failure: down ? .status : nil, detail: down ? "expected status 2xx, got 503" : "ok", statusCode: down ? 503 : 200
                ), of: check)
        }
        let days = StatusPageModel.days(endingAt: now)
        let today = days[days.count - 1]
        let buckets = [
            MinuteBucket(minute: today - 2, good: 2_880, total: 2_880), MinuteBucket(minute: today - 1, good: 2_800, total: 2_880),
            MinuteBucket(minute: today, good: 100, total: 120),
        ]
        var calculator = SLACalculator()
        calculator.windows = [.day, .thirtyDays]
        let minuteBuckets = [MinuteBucket(minute: Int64(now.timeIntervalSince1970 / 60) - 5, good: 990, total: 1_000)]
        let status = calculator.status(.errorRate, buckets: minuteBuckets, now: now)
        let report = SLAStatusReport(source: "local", generatedAt: now, statuses: [status])
        return StatusPageModel(
            title: "Lookout", generatedAt: now,
            checks: [.init(status: board.statuses()[0], days: StatusPageModel.align(buckets, days: days), recent: board.history(check.name))],
            sla: report, incidents: board.incidents()
        )
    }

    @Test func thePageIsSelfContainedAndEscapesWhatItShows() {
        let html = StatusPage.render(model(down: false))
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains(#"<meta name="viewport""#), "readable on a phone")
        #expect(!html.contains("<script"), "readable without JavaScript")
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"), "no CDN or external resource")
        #expect(html.contains("api &lt;health&gt;") && !html.contains("api <health>"), "names are escaped")
        #expect(html.contains(#"data-state="ok""#))
        #expect(html.contains("All systems operational"))
    }

    @Test func theBarsColourEachDayAgainstTheTarget() {
        let html = StatusPage.render(model(down: false))
        #expect(html.components(separatedBy: "<rect ").count - 1 == 90, "one bar per day")
        #expect(html.contains(#"class="good"><title>2026-11-29: 100.000 % (2880 of 2880 runs)</title>"#))
        #expect(html.contains(#"class="bad"><title>2026-11-30: 97.222 % (2800 of 2880 runs)</title>"#), "below 98.5 % is red")
        #expect(html.contains(#"class="none"><title>no runs</title>"#))
        #expect(html.contains("98.299 % over 90 days"), "5 780 good of 5 880 runs")
    }

    @Test func anOutageShowsInTheHeaderTheCheckAndTheIncidents() {
        let html = StatusPage.render(model(down: true))
        #expect(html.contains(#"data-state="down""#))
        #expect(html.contains("Outage: api &lt;health&gt; is down"))
        #expect(html.contains("failed, status: expected status 2xx, got 503 (3 failures in a row)"))
        #expect(html.contains("down from 2026-12-01 01:58 UTC to <strong>ongoing</strong>"))
        #expect(html.components(separatedBy: "class=\"failed\"><title>").count - 1 == 3, "each failed run is marked on the latency chart")
    }

    @Test func theSLATableShowsTheReportsFigures() {
        let html = StatusPage.render(model(down: false))
        #expect(html.contains(#"data-objective="error_rate" data-field="target">99.000 %</td>"#))
        #expect(html.contains(#"data-objective="error_rate" data-field="value_30d">99.000 %</td>"#))
        #expect(html.contains(#"data-objective="error_rate" data-field="budget_remaining">0.0 %</td>"#), "10 bad of 10 allowed")
    }

    /// The page formats dates by arithmetic; it agrees with Foundation's formatter across eras, leap days and
    /// dates before 1970.
    @Test func datesAreFormattedInUTCLikeFoundation() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        var instants: [TimeInterval] = [0, -1, 951_782_400, 951_868_799, 4_107_542_399, 1_796_090_400.75]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { instants.append(TimeInterval(Int.random(in: -2_000_000_000...5_000_000_000, using: &generator))) }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(StatusPage.timestamp(date) == formatter.string(from: date) + " UTC", "\(instant)")
        }
    }
}
