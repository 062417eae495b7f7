import Foundation
import Synchronization

/// The current state of one check, as the status page and `/health/detailed` show it.
public struct CheckStatus: Sendable {
    public var check: String
    public var interval: Duration
    public var failuresToConfirm: Int
    /// The latest run; nil until the first run finishes.
    public var lastOutcome: ProbeOutcome?
    /// Failed runs in a row, up to now.
    public var consecutiveFailures: Int
    /// Confirmed down: at least `failuresToConfirm` failures in a row, and no success since.
    public var isDown: Bool
    public var runs: Int64
    public var failures: Int64
}

/// A confirmed-down period of one check: from the first failure of the streak that confirmed it to the next success.
public struct Incident: Sendable, Equatable, Codable {
    public var check: String
    public var startedAt: Date
    /// Nil while the check is still down.
    public var endedAt: Date?
    public var reason: ProbeFailureReason
    /// The failure that confirmed the incident, in words.
    public var detail: String
}

/// One run as the latency chart draws it.
public struct ProbeSample: Sendable, Equatable {
    public var at: Date
    /// Seconds.
    public var duration: Double
    public var success: Bool
}

/// A change of a check's confirmed state, worth a log line (and, for the status page, an incident).
public enum ProbeTransition: Sendable, Equatable {
    case down(Incident)
    case recovered(Incident)
}

/// Every check's state and the recent incidents, updated after each run. Readers get copies; one short lock.
public final class ProbeStatusBoard: Sendable {
    private struct State {
        var statuses: [String: CheckStatus] = [:]
        var order: [String] = []
        /// Start of the current failure streak, per check.
        var streakStart: [String: Date] = [:]
        var open: [String: Incident] = [:]
        var closed: [Incident] = []
        var history: [String: [ProbeSample]] = [:]
    }

    /// How many finished incidents are kept (newest first). Default 100.
    public let incidentLimit: Int
    /// How many recent runs are kept per check for the latency chart. Default 720 (6 hours at 30 s).
    public let historyLimit: Int
    private let state = Mutex(State())

    public init(checks: [ProbeCheck] = [], incidentLimit: Int = 100, historyLimit: Int = 720) {
        self.incidentLimit = incidentLimit
        self.historyLimit = historyLimit
        register(checks)
    }

    /// Lists checks before their first run, so that they show as "pending" rather than missing.
    public func register(_ checks: [ProbeCheck]) {
        state.withLock { state in
            for check in checks where state.statuses[check.name] == nil {
                state.order.append(check.name)
                state.statuses[check.name] = CheckStatus(
                    check: check.name, interval: check.interval, failuresToConfirm: check.failuresToConfirm, lastOutcome: nil,
                    consecutiveFailures: 0, isDown: false, runs: 0, failures: 0
                )
            }
        }
    }

    /// Records a run's outcome; returns the transition it caused, if any.
    @discardableResult
    public func record(_ outcome: ProbeOutcome, of check: ProbeCheck) -> (status: CheckStatus, transition: ProbeTransition?) {
        state.withLock { state in
            if state.statuses[check.name] == nil {
                state.order.append(check.name)
            }
            var status =
                state.statuses[check.name]
                ?? CheckStatus(
                    check: check.name, interval: check.interval, failuresToConfirm: check.failuresToConfirm, lastOutcome: nil,
                    consecutiveFailures: 0, isDown: false, runs: 0, failures: 0
                )
            status.lastOutcome = outcome
            status.runs += 1
            var history = state.history[check.name, default: []]
            history.append(ProbeSample(at: outcome.startedAt, duration: outcome.duration, success: outcome.success))
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
            state.history[check.name] = history
            var transition: ProbeTransition?
            if let failure = outcome.failure {
                status.failures += 1
                status.consecutiveFailures += 1
                if status.consecutiveFailures == 1 { state.streakStart[check.name] = outcome.startedAt }
                if !status.isDown, status.consecutiveFailures >= check.failuresToConfirm {
                    status.isDown = true
                    let incident = Incident(
                        check: check.name, startedAt: state.streakStart[check.name] ?? outcome.startedAt, endedAt: nil, reason: failure,
                        detail: outcome.detail
                    )
                    state.open[check.name] = incident
                    transition = .down(incident)
                }
            } else {
                status.consecutiveFailures = 0
                state.streakStart[check.name] = nil
                if status.isDown, var incident = state.open.removeValue(forKey: check.name) {
                    status.isDown = false
                    incident.endedAt = outcome.startedAt
                    state.closed.insert(incident, at: 0)
                    if state.closed.count > incidentLimit { state.closed.removeLast(state.closed.count - incidentLimit) }
                    transition = .recovered(incident)
                }
            }
            state.statuses[check.name] = status
            return (status, transition)
        }
    }

    /// Every check's state, in the order the checks were declared.
    public func statuses() -> [CheckStatus] {
        state.withLock { state in state.order.compactMap { state.statuses[$0] } }
    }

    /// The recent runs of a check, oldest first (at most ``historyLimit``; kept in memory, so a restart starts afresh).
    public func history(_ check: String) -> [ProbeSample] {
        state.withLock { $0.history[check] ?? [] }
    }

    /// Open incidents first, then finished ones, newest first.
    public func incidents() -> [Incident] {
        state.withLock { state in state.open.values.sorted { $0.startedAt > $1.startedAt } + state.closed }
    }

    /// When the most recent run of any check finished, or nil before the first: how fresh the prober's view is.
    public func lastRunAt() -> Date? {
        state.withLock { state in
            state.statuses.values.compactMap { $0.lastOutcome.map { $0.startedAt.addingTimeInterval($0.duration) } }.max()
        }
    }
}
