import Foundation
import LookoutProber
import LookoutSLA

/// Gathers a ``StatusPageModel``: each check's state from the prober's board, its 90 days from the SLA store (plus
/// what the recorder has not flushed yet), its recent runs, the SLA report and the incidents.
public struct StatusPageSource: Sendable {
    public var title: String
    public let board: ProbeStatusBoard
    public let sla: SLAStatusSource
    /// The availability target the day bars are coloured against.
    public var availabilityTarget: Double
    /// The latency threshold drawn on the response-time chart, in seconds.
    public var latencyThreshold: TimeInterval

    public init(title: String = "Lookout", board: ProbeStatusBoard, sla: SLAStatusSource, availabilityTarget: Double, latencyThreshold: TimeInterval) {
        self.title = title
        self.board = board
        self.sla = sla
        self.availabilityTarget = availabilityTarget
        self.latencyThreshold = latencyThreshold
    }

    public func model(now: Date) async throws -> StatusPageModel {
        let report = try await sla.report(now: now)
        let days = StatusPageModel.days(endingAt: now)
        let minutes = (days[0] * 1440)..<((days[days.count - 1] + 1) * 1440)
        let store = sla.local.store
        let rows = try await sla.local.recorder.reading { pending in
            var rows: [StatusPageModel.CheckRow] = []
            for status in board.statuses() {
                let key = SLAProbeRecorder.perCheck(status.check)
                let stored = try await store.slaDailyBuckets(objective: key, minutes: minutes)
                let daily = MinuteBucket.merged(stored, MinuteBucket.daily(pending[key] ?? []))
                rows.append(StatusPageModel.CheckRow(status: status, days: StatusPageModel.align(daily, days: days), recent: board.history(status.check)))
            }
            return rows
        }
        return StatusPageModel(
            title: title, generatedAt: now, checks: rows, sla: report, incidents: board.incidents(), availabilityTarget: availabilityTarget,
            latencyThreshold: latencyThreshold
        )
    }
}

/// Counts every probe run toward the `availability` objective (good when the run succeeded), and per check under
/// `probe:<check>`, which the status page's 90-day bars read (``StatusPageSource``).
public struct SLAProbeRecorder: ProbeObserver {
    let recorder: SLARecorder

    public init(recorder: SLARecorder) {
        self.recorder = recorder
    }

    public static func perCheck(_ check: String) -> String { "probe:\(check)" }

    public func probeFinished(_ outcome: ProbeOutcome, check: ProbeCheck, status: CheckStatus) {
        recorder.record([(Objective.availability.name, outcome.success), (Self.perCheck(check.name), outcome.success)], at: outcome.startedAt)
    }
}
