import Foundation

/// What `GET /sla/report?month=YYYY-MM` answers: each objective over one UTC calendar month, for a compliance record.
public struct SLAMonthlyReport: Codable, Sendable, Equatable {
    public var month: String
    public var source: String
    public var generatedAt: Date
    public var objectives: [Line]
    /// The maintenance windows that overlap the month; their minutes are left out.
    public var maintenance: [MaintenanceWindow] = []

    public struct Line: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
        public var target: Double
        public var good: Int64
        public var total: Int64
        public var value: Double?
        public var compliant: Bool
        public var insufficientSamples: Bool
        public var excludedMinutes: Int64
        public var budgetConsumedRatio: Double
    }

    /// Parses `YYYY-MM`; nil for anything else (including months outside 1–12).
    public static func month(_ text: String) -> (year: Int, month: Int)? {
        let parts = text.split(separator: "-")
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (1970...9999).contains(year), (1...12).contains(month)
        else { return nil }
        return (year, month)
    }

    /// The JSON body: snake_case keys, ISO 8601 dates.
    public func json() throws -> Data { try SLAJSON.encode(self) }

    /// One header line, then one line per objective (RFC 4180; values have no commas or quotes).
    public var csv: String {
        var lines = ["month,objective,target,good,total,value,compliant,insufficient_samples,excluded_minutes,budget_consumed_ratio"]
        for line in objectives {
            let value = line.value.map { String($0) } ?? ""
            lines.append(
                "\(month),\(line.name),\(line.target),\(line.good),\(line.total),\(value),\(line.compliant),\(line.insufficientSamples),\(line.excludedMinutes),\(line.budgetConsumedRatio)"
            )
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension SLAStatusService {
    /// The compliance report of one calendar month (UTC), from the store plus what is not yet flushed.
    public func monthlyReport(year: Int, month: Int, now: Date) async throws -> SLAMonthlyReport {
        let window = SLAWindow.month(year: year, month: month)
        var calculator = SLACalculator()
        calculator.windows = [window]
        calculator.budgetWindow = window
        calculator.burnRateWindows = []
        let minutes = window.minutes(at: now)
        let maintenance = try await self.maintenance()
        let lines = try await recorder.reading { pending in try await monthLines(calculator, pending: pending, now: now, maintenance: maintenance) }
        let inMonth = maintenance.filter { $0.minutes.overlaps(minutes) }
        return SLAMonthlyReport(month: window.description, source: "local", generatedAt: now, objectives: lines, maintenance: inMonth)
    }

    private func monthLines(
        _ calculator: SLACalculator, pending: [String: [MinuteBucket]], now: Date, maintenance: [MaintenanceWindow]
    ) async throws -> [SLAMonthlyReport.Line] {
        var lines: [SLAMonthlyReport.Line] = []
        for objective in objectives {
            let counts = try await calculator.counts(
                objective.name, store: store, pending: pending[objective.name] ?? [], now: now, maintenance: maintenance
            )
            let status = calculator.status(objective, now: now) { counts[$0] ?? WindowCounts(good: 0, total: 0) }
            let result = status.windows[0]
            lines.append(
                SLAMonthlyReport.Line(
                    name: objective.name, description: objective.description, target: objective.target, good: result.good, total: result.total,
                    value: result.value, compliant: result.compliant, insufficientSamples: result.insufficientSamples,
                    excludedMinutes: result.excludedMinutes, budgetConsumedRatio: status.budget.consumedRatio
                ))
        }
        return lines
    }
}
