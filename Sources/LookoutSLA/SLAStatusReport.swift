import Foundation

/// What `GET /sla/status` answers: every objective over every window, its error budget, burn rates and state.
/// Encoded with snake_case keys; absent values (no events yet) are left out.
public struct SLAStatusReport: Codable, Sendable, Equatable {
    /// Where the figures come from: `local` (this deployment's database) or `prometheus` (every replica's events,
    /// summed by Prometheus's recording rules).
    public var source: String
    /// Why a configured Prometheus source was not used (the figures are then `local`).
    public var sourceError: String?
    public var generatedAt: Date
    public var objectives: [ObjectiveReport]
    /// Maintenance windows overlapping the 30-day budget window or still to come; their minutes are left out.
    public var maintenance: [MaintenanceWindow]

    public struct ObjectiveReport: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
        public var target: Double
        public var state: String
        public var windows: [WindowReport]
        public var errorBudget: BudgetReport
        public var burnRates: [BurnRateReport]
        public var timeToExhaustionSeconds: Double?
    }

    public struct WindowReport: Codable, Sendable, Equatable {
        public var window: String
        public var good: Int64
        public var total: Int64
        public var value: Double?
        public var compliant: Bool
        public var insufficientSamples: Bool
        public var excludedMinutes: Int64
    }

    public struct BudgetReport: Codable, Sendable, Equatable {
        public var allowedBadEvents: Double
        public var badEvents: Int64
        public var consumedRatio: Double
        public var remainingRatio: Double
        public var remainingEvents: Double
        public var totalSeconds: Double
        public var remainingSeconds: Double
    }

    public struct BurnRateReport: Codable, Sendable, Equatable {
        public var window: String
        public var rate: Double?
    }

    public init(source: String, generatedAt: Date, statuses: [ObjectiveStatus], maintenance: [MaintenanceWindow] = []) {
        self.source = source
        self.generatedAt = generatedAt
        self.maintenance = maintenance
        self.objectives = statuses.map { status in
            ObjectiveReport(
                name: status.objective.name, description: status.objective.description, target: status.objective.target,
                state: status.state.rawValue,
                windows: status.windows.map {
                    WindowReport(
                        window: $0.window.description, good: $0.good, total: $0.total, value: $0.value, compliant: $0.compliant,
                        insufficientSamples: $0.insufficientSamples, excludedMinutes: $0.excludedMinutes
                    )
                },
                errorBudget: BudgetReport(
                    allowedBadEvents: status.budget.allowedBadEvents, badEvents: status.budget.badEvents, consumedRatio: status.budget.consumedRatio,
                    remainingRatio: status.budget.remainingRatio, remainingEvents: status.budget.remainingEvents,
                    totalSeconds: status.budget.totalSeconds, remainingSeconds: status.budget.remainingSeconds
                ),
                burnRates: status.burnRates.map { BurnRateReport(window: $0.window, rate: $0.rate) },
                timeToExhaustionSeconds: status.secondsToExhaustion
            )
        }
    }

    /// The JSON body: snake_case keys, ISO 8601 dates.
    public func json() throws -> Data { try SLAJSON.encode(self) }
}

/// Answers "how are we doing against our objectives" from the store plus what is counted but not yet flushed.
public struct SLAStatusService: Sendable {
    public let objectives: [Objective]
    public let recorder: SLARecorder
    public let store: any SLAStore
    public var calculator = SLACalculator()
    /// The maintenance windows to leave out, asked for each report (they change through the API).
    public var maintenance: @Sendable () async throws -> [MaintenanceWindow]

    public init(
        objectives: [Objective], recorder: SLARecorder, store: any SLAStore,
        maintenance: @escaping @Sendable () async throws -> [MaintenanceWindow] = { [] }
    ) {
        self.objectives = objectives
        self.recorder = recorder
        self.store = store
        self.maintenance = maintenance
    }

    public func report(now: Date) async throws -> SLAStatusReport {
        let maintenance = try await self.maintenance()
        let statuses = try await recorder.reading { pending in
            var statuses: [ObjectiveStatus] = []
            for objective in objectives {
                let counts = try await calculator.counts(
                    objective.name, store: store, pending: pending[objective.name] ?? [], now: now, maintenance: maintenance
                )
                statuses.append(calculator.status(objective, now: now) { counts[$0] ?? WindowCounts(good: 0, total: 0) })
            }
            return statuses
        }
        // The windows that touch the budget window, or are still to come: what an operator planning or explaining needs.
        let budget = calculator.budgetWindow.minutes(at: now)
        let relevant = maintenance.filter { $0.minutes.upperBound > budget.lowerBound }
        return SLAStatusReport(source: "local", generatedAt: now, statuses: statuses, maintenance: relevant)
    }
}

/// How the SLA reports are written: snake_case keys, ISO 8601 dates, sorted keys.
enum SLAJSON {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }
}
