import Foundation
import LookoutProber
import LookoutSLA

/// Renders the public status page: one self-contained HTML document (inline CSS and SVG, no script, no external
/// resource), readable on a phone and without JavaScript.
///
/// Figures are printed with ``percent(_:)`` and friends, and carry `data-objective`/`data-field` attributes, so that
/// a test (or a scraper) can find each one and compare it with `GET /sla/status`.
public enum StatusPage {
    public static func render(_ model: StatusPageModel) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>\(escape(model.title)) status</title>
            <style>\(css)</style></head><body><main>
            """
        html += header(model)
        html += checks(model)
        html += latencyChart(model)
        html += slaTable(model)
        html += incidents(model)
        html += """
            <footer>Generated \(timestamp(model.generatedAt)). Machine-readable: <a href="/sla/status">/sla/status</a>,
            <a href="/sla/report">/sla/report</a>, <a href="/health/detailed">/health/detailed</a>.</footer>
            </main></body></html>
            """
        return html
    }

    // MARK: Sections

    static func header(_ model: StatusPageModel) -> String {
        let down = model.checks.filter(\.status.isDown).map(\.status.check)
        let failing = model.checks.filter { !$0.status.isDown && $0.status.lastOutcome?.success == false }.map(\.status.check)
        let breached = model.sla.objectives.filter { $0.state == "breached" }.map(\.name)
        let (state, message): (String, String)
        if !down.isEmpty {
            (state, message) = ("down", "Outage: \(down.joined(separator: ", ")) \(down.count == 1 ? "is" : "are") down")
        } else if !failing.isEmpty || !breached.isEmpty {
            let parts = (failing.isEmpty ? [] : ["failing checks: \(failing.joined(separator: ", "))"])
                + (breached.isEmpty ? [] : ["objectives breached: \(breached.joined(separator: ", "))"])
            (state, message) = ("degraded", "Degraded: " + parts.joined(separator: "; "))
        } else if model.checks.allSatisfy({ $0.status.lastOutcome == nil }) {
            (state, message) = ("pending", "Waiting for the first checks")
        } else {
            (state, message) = ("ok", "All systems operational")
        }
        return """
            <header><h1>\(escape(model.title))</h1>
            <p class="overall \(state)" data-field="overall" data-state="\(state)">\(escape(message))</p></header>
            """
    }

    static func checks(_ model: StatusPageModel) -> String {
        var html = "<section><h2>Checks</h2>"
        if model.checks.isEmpty { html += "<p class=\"muted\">No synthetic checks run in this process.</p>" }
        for row in model.checks {
            let status = row.status
            let (state, label): (String, String) =
                status.isDown ? ("down", "Down") : status.lastOutcome == nil ? ("pending", "Pending") : status.lastOutcome?.success == true ? ("up", "Up") : ("failing", "Failing")
            let known = row.days.compactMap { $0 }
            let good = known.reduce(0) { $0 + $1.good }
            let total = known.reduce(0) { $0 + $1.total }
            let uptime = total == 0 ? "no data yet" : "\(percent(Double(good) / Double(total))) over 90 days"
            html += """
                <div class="check" data-check="\(escape(status.check))">
                <div class="row"><span class="dot \(state)"></span><strong>\(escape(status.check))</strong>
                <span class="state \(state)" data-field="check-state">\(label)</span><span class="uptime" data-field="check-uptime">\(uptime)</span></div>
                \(bars(row, target: model.availabilityTarget))
                <div class="axis"><span>90 days ago</span><span>today</span></div>
                <p class="detail">\(lastRun(status, now: model.generatedAt))</p>
                </div>
                """
        }
        return html + "</section>"
    }

    static func bars(_ row: StatusPageModel.CheckRow, target: Double) -> String {
        let width = 10
        var svg = "<svg class=\"bars\" viewBox=\"0 0 \(row.days.count * width) 32\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"90-day uptime of \(escape(row.status.check))\">"
        for (index, day) in row.days.enumerated() {
            let x = index * width
            guard let day else {
                svg += "<rect x=\"\(x)\" width=\"\(width - 2)\" height=\"32\" class=\"none\"><title>no runs</title></rect>"
                continue
            }
            let ratio = day.ratio
            let level = ratio >= target ? "good" : ratio >= target - 0.01 ? "warn" : "bad"
            svg += "<rect x=\"\(x)\" width=\"\(width - 2)\" height=\"32\" class=\"\(level)\"><title>\(date(day.day)): \(percent(ratio)) (\(day.good) of \(day.total) runs)</title></rect>"
        }
        return svg + "</svg>"
    }

    static func lastRun(_ status: CheckStatus, now: Date) -> String {
        guard let outcome = status.lastOutcome else { return "Not run yet." }
        let ago = max(0, now.timeIntervalSince(outcome.startedAt.addingTimeInterval(outcome.duration)))
        let when = "Last run \(duration(ago)) ago"
        if outcome.success { return "\(when): OK in \(milliseconds(outcome.duration))." }
        let streak = status.consecutiveFailures == 1 ? "" : " (\(status.consecutiveFailures) failures in a row)"
        return "\(when): failed, \(escape(outcome.failure?.rawValue ?? "")): \(escape(outcome.detail))\(streak)."
    }

    static let palette = ["#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#65a30d", "#9333ea"]

    static func latencyChart(_ model: StatusPageModel) -> String {
        let series = model.checks.filter { !$0.recent.isEmpty }
        var html = "<section><h2>Response time</h2>"
        guard let first = series.flatMap({ $0.recent.map(\.at) }).min(), let last = series.flatMap({ $0.recent.map(\.at) }).max() else {
            return html + "<p class=\"muted\">No runs yet.</p></section>"
        }
        let (width, height, left, bottom) = (900.0, 240.0, 48.0, 22.0)
        let top = max(model.latencyThreshold * 1.25, series.flatMap { $0.recent.map(\.duration) }.max() ?? 0)
        let span = max(1, last.timeIntervalSince(first))
        func x(_ date: Date) -> Double { left + (width - left - 8) * date.timeIntervalSince(first) / span }
        func y(_ seconds: Double) -> Double { (height - bottom) * (1 - min(seconds, top) / top) + 4 }
        html += "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"probe response times\">"
        for fraction in [0.0, 0.5, 1.0] {
            let value = top * fraction
            html += "<line x1=\"\(left)\" x2=\"\(width - 8)\" y1=\"\(y(value))\" y2=\"\(y(value))\" class=\"grid\"/>"
            html += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(milliseconds(value))</text>"
        }
        let threshold = y(model.latencyThreshold)
        html += "<line x1=\"\(left)\" x2=\"\(width - 8)\" y1=\"\(threshold)\" y2=\"\(threshold)\" class=\"threshold\"/>"
        html += "<text x=\"\(width - 10)\" y=\"\(threshold - 4)\" text-anchor=\"end\" class=\"threshold-label\">objective: \(milliseconds(model.latencyThreshold))</text>"
        for (index, row) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = row.recent.map { String(format: "%.1f,%.1f", x($0.at), y($0.duration)) }.joined(separator: " ")
            html += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"><title>\(escape(row.status.check))</title></polyline>"
            if row.recent.count <= 60 {
                // Few runs yet: mark each, so that a single run is visible too.
                for sample in row.recent where sample.success {
                    html += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%@\"/>", x(sample.at), y(sample.duration), color)
                }
            }
            for sample in row.recent where !sample.success {
                html += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"failed\"><title>%@ failed at %@</title></circle>", x(sample.at), y(sample.duration), escape(row.status.check), timestamp(sample.at))
            }
        }
        html += "<text x=\"\(left)\" y=\"\(height - 4)\">\(time(first))</text><text x=\"\(width - 8)\" y=\"\(height - 4)\" text-anchor=\"end\">\(time(last)) UTC</text></svg>"
        html += "<p class=\"legend\">" + series.enumerated().map { index, row in
            "<span><i style=\"background:\(palette[index % palette.count])\"></i>\(escape(row.status.check))</span>"
        }.joined() + "<span><i class=\"failed\"></i>failed run</span></p>"
        return html + "</section>"
    }

    static func slaTable(_ model: StatusPageModel) -> String {
        var html = """
            <section><h2>Service level objectives</h2><div class="scroll"><table>
            <thead><tr><th>Objective</th><th>Target</th><th>24 hours</th><th>30 days</th><th>Error budget left</th><th>Burn rate (1 h)</th><th>State</th></tr></thead><tbody>
            """
        for objective in model.sla.objectives {
            let name = escape(objective.name)
            func cell(_ field: String, _ text: String) -> String { "<td data-objective=\"\(name)\" data-field=\"\(field)\">\(text)</td>" }
            let day = objective.windows.first { $0.window == "1d" }
            let month = objective.windows.first { $0.window == "30d" }
            let burn = objective.burnRates.first { $0.window == "1h" }?.rate
            html += "<tr><th scope=\"row\" title=\"\(escape(objective.description))\">\(name)<small>\(escape(objective.description))</small></th>"
            html += cell("target", percent(objective.target))
            html += cell("value_1d", day?.value.map(percent) ?? "—")
            html += cell("value_30d", month?.value.map(percent) ?? "—")
            html += cell("budget_remaining", month?.total ?? 0 > 0 ? budget(objective.errorBudget.remainingRatio) : "—")
            html += cell("burn_rate_1h", burn.map(rate) ?? "—")
            html += "<td data-objective=\"\(name)\" data-field=\"state\"><span class=\"badge \(escape(objective.state))\">\(escape(objective.state.replacingOccurrences(of: "_", with: " ")))</span></td></tr>"
        }
        html += "</tbody></table></div>"
        let upcoming = model.sla.maintenance.filter { $0.end > model.generatedAt }
        if !upcoming.isEmpty {
            html += "<h3>Planned maintenance</h3><ul>" + upcoming.map { "<li>\(timestamp($0.start)) – \(timestamp($0.end)): \(escape($0.reason))</li>" }.joined() + "</ul>"
        }
        return html + "<p class=\"muted\">Budgets are over the last 30 days; minutes of planned maintenance are left out.</p></section>"
    }

    static func incidents(_ model: StatusPageModel) -> String {
        var html = "<section><h2>Recent incidents</h2>"
        guard !model.incidents.isEmpty else { return html + "<p class=\"muted\">No confirmed outage since this process started.</p></section>" }
        html += "<ul class=\"incidents\">"
        for incident in model.incidents.prefix(20) {
            let end = incident.endedAt.map { "\(timestamp($0)) (\(duration($0.timeIntervalSince(incident.startedAt))))" } ?? "<strong>ongoing</strong>"
            html += "<li data-check=\"\(escape(incident.check))\"><strong>\(escape(incident.check))</strong> down from \(timestamp(incident.startedAt)) to \(end): \(escape(incident.reason.rawValue)): \(escape(incident.detail))</li>"
        }
        return html + "</ul></section>"
    }

    // MARK: Formatting (the test formats /sla/status figures with these same functions)

    /// `0.99873` → `99.873 %`.
    public static func percent(_ ratio: Double) -> String { String(format: "%.3f %%", ratio * 100) }
    /// Remaining budget share: `0.5` → `50.0 %`; overspent shows as `0.0 %`.
    public static func budget(_ ratio: Double) -> String { String(format: "%.1f %%", max(0, ratio) * 100) }
    /// `2` → `2.00×`.
    public static func rate(_ value: Double) -> String { String(format: "%.2f×", value) }

    static func milliseconds(_ seconds: Double) -> String { seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds) }

    static func duration(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f days", seconds / 86_400)
    }

    static func timestamp(_ date: Date) -> String {
        let parts = UTCParts(date)
        return "\(parts.date) \(parts.time) UTC"
    }
    static func date(_ date: Date) -> String { UTCParts(date).date }
    static func time(_ date: Date) -> String { UTCParts(date).time }

    /// A date's UTC calendar fields, by arithmetic (one render formats hundreds of dates; a `DateFormatter` each would
    /// dominate the page's cost).
    private struct UTCParts {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int

        init(_ date: Date) {
            let seconds = Int(date.timeIntervalSince1970.rounded(.down))
            var days = seconds.floorDivided(by: 86_400)
            let secondOfDay = seconds - days * 86_400
            hour = secondOfDay / 3600
            minute = secondOfDay % 3600 / 60
            // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
            days += 719_468
            let era = days.floorDivided(by: 146_097)
            let dayOfEra = days - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shiftedMonth = (5 * dayOfYear + 2) / 153
            day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
            month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
            year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        }

        var date: String { "\(year)-\(Self.twoDigits(month))-\(Self.twoDigits(day))" }
        var time: String { "\(Self.twoDigits(hour)):\(Self.twoDigits(minute))" }
        private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    static let css = """
        :root{color-scheme:light;--ok:#16a34a;--warn:#d97706;--bad:#dc2626;--none:#d4d4d8;--muted:#6b7280}
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f9fafb}
        main{max-width:960px;margin:0 auto;padding:16px}h1{margin:8px 0;font-size:1.6em}h2{font-size:1.15em;margin:28px 0 10px}
        section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:14px 16px;margin:14px 0}
        .overall{padding:12px 14px;border-radius:8px;font-weight:600;color:#fff;margin:8px 0}
        .overall.ok{background:var(--ok)}.overall.degraded{background:var(--warn)}.overall.down{background:var(--bad)}.overall.pending{background:var(--muted)}
        .check{padding:10px 0;border-top:1px solid #f1f5f9}.check:first-of-type{border-top:0}
        .row{display:flex;flex-wrap:wrap;align-items:center;gap:8px}.uptime{margin-left:auto;color:var(--muted)}
        .dot{width:10px;height:10px;border-radius:50%;display:inline-block}.dot.up{background:var(--ok)}.dot.down{background:var(--bad)}
        .dot.failing{background:var(--warn)}.dot.pending{background:var(--none)}
        .state.up{color:var(--ok)}.state.down{color:var(--bad)}.state.failing{color:var(--warn)}.state.pending{color:var(--muted)}
        svg.bars{width:100%;height:32px;display:block;margin-top:6px}rect.good{fill:var(--ok)}rect.warn{fill:var(--warn)}rect.bad{fill:var(--bad)}rect.none{fill:var(--none)}
        .axis{display:flex;justify-content:space-between;font-size:.8em;color:var(--muted)}.detail{margin:4px 0 0;font-size:.9em;color:#374151;overflow-wrap:anywhere}
        svg.chart{width:100%;height:auto;display:block}svg.chart text{font-size:11px;fill:var(--muted)}line.grid{stroke:#e5e7eb}
        line.threshold{stroke:var(--bad);stroke-dasharray:6 4}text.threshold-label{fill:var(--bad)!important}circle.failed{fill:var(--bad)}
        .legend{display:flex;flex-wrap:wrap;gap:14px;font-size:.85em;color:#374151}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
        .legend i.failed{background:var(--bad);border-radius:50%}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;min-width:620px}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top}
        th small{display:block;font-weight:400;color:var(--muted);font-size:.8em}td{font-variant-numeric:tabular-nums;white-space:nowrap}
        .badge{padding:2px 8px;border-radius:999px;font-size:.85em;color:#fff}.badge.ok{background:var(--ok)}.badge.at_risk{background:var(--warn)}.badge.breached{background:var(--bad)}
        .muted{color:var(--muted)}ul.incidents{padding-left:18px}ul.incidents li{margin:6px 0;overflow-wrap:anywhere}
        footer{color:var(--muted);font-size:.85em;margin:18px 0}a{color:#2563eb}
        @media (max-width:600px){main{padding:8px}section{padding:10px}.uptime{margin-left:0;width:100%}}
        """
}

private extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
