import Foundation
import Logging

/// Where the figures of every replica come from: a time-series database that scrapes them all
/// (`LookoutSLAPrometheus.PrometheusSLASource` conforms).
public protocol SharedSLASource: Sendable {
    func report(now: Date, maintenance: [MaintenanceWindow]) async throws -> SLAStatusReport
}

/// What `/sla/status` and the status page report: the shared source (every replica) when there is one; otherwise, or
/// when it cannot answer, this process's own figures from its database, with `sourceError` saying why.
public struct SLAStatusSource: Sendable {
    public let local: SLAStatusService
    public let shared: (any SharedSLASource)?
    public let maintenance: MaintenanceSchedule
    let logger: Logger

    public init(local: SLAStatusService, shared: (any SharedSLASource)?, maintenance: MaintenanceSchedule, logger: Logger) {
        self.local = local
        self.shared = shared
        self.maintenance = maintenance
        self.logger = logger
    }

    /// What `source_error` says when the shared source failed.
    public static let sharedSourceFailed = "the shared source (Prometheus) could not answer; these are this process's own figures (the error is in the log)"

    public func report(now: Date) async throws -> SLAStatusReport {
        guard let shared else { return try await local.report(now: now) }
        do {
            return try await shared.report(now: now, maintenance: try await maintenance.all())
        } catch {
            logger.warning("the shared SLA source could not answer; using this process's figures", metadata: ["error": "\(error)"])
            var report = try await local.report(now: now)
            // A fixed sentence: the report is public, and the error's own text names hosts and ports (it is logged).
            report.sourceError = Self.sharedSourceFailed
            return report
        }
    }
}
