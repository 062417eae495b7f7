import Foundation
import Logging
import ServiceLifecycle

/// Told about every finished run: metrics, SLA recording, alerting glue.
public protocol ProbeObserver: Sendable {
    func probeFinished(_ outcome: ProbeOutcome, check: ProbeCheck, status: CheckStatus)
}

/// Runs every check on its own interval until graceful shutdown.
///
/// Each check runs at once when the service starts, then every `interval` at a fixed rate (a run that overruns its
/// interval is followed immediately by the next; runs of one check never overlap). Outcomes go to the
/// ``ProbeStatusBoard`` and then to each ``ProbeObserver``; a confirmed outage and its recovery are logged.
public struct ProberService<C: Clock>: Service where C.Duration == Duration {
    public let checks: [ProbeCheck]
    public let board: ProbeStatusBoard
    let client: HTTPProbeClient
    let baseURL: @Sendable () async -> URL?
    let variables: [String: String]
    let probeSecret: String?
    let observers: [any ProbeObserver]
    let clock: C
    let logger: Logger

    /// - Parameters:
    ///   - baseURL: where paths such as `/health` point; asked once when the service starts (the backend answers it once
    ///     its HTTP server is listening, so that port 0 works).
    ///   - probeSecret: sent to the base URL's origin in `X-Lookout-Probe` (``ProbeRunner/probeHeader``), so that the
    ///     service leaves these requests out of its request metrics and SLOs.
    public init(
        checks: [ProbeCheck], board: ProbeStatusBoard? = nil, client: HTTPProbeClient = HTTPProbeClient(),
        baseURL: @escaping @Sendable () async -> URL?, variables: [String: String] = [:], probeSecret: String? = nil,
        observers: [any ProbeObserver] = [], clock: C, logger: Logger
    ) {
        self.checks = checks
        self.board = board ?? ProbeStatusBoard(checks: checks)
        self.board.register(checks)
        self.client = client
        self.baseURL = baseURL
        self.variables = variables
        self.probeSecret = probeSecret
        self.observers = observers
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        guard !checks.isEmpty else { return }
        let base = await cancelWhenGracefulShutdown { await baseURL() }
        let runner = ProbeRunner(client: client, baseURL: base, variables: variables, probeSecret: probeSecret)
        logger.info("prober started", metadata: ["checks": "\(checks.map(\.name).joined(separator: ","))", "base_url": "\(base?.absoluteString ?? "-")"])
        await withDiscardingTaskGroup { group in
            for check in checks {
                group.addTask { await loop(check, runner: runner) }
            }
        }
    }

    private func loop(_ check: ProbeCheck, runner: ProbeRunner) async {
        var next = clock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await runOnce(check, runner: runner)
            next = next.advanced(by: check.interval)
            let now = clock.now
            if next < now {
                // Overran: skip the missed ticks rather than running a burst.
                let missed = Int((next.duration(to: now) / check.interval).rounded(.up))
                next = next.advanced(by: check.interval * missed)
            }
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline, tolerance: nil) }
            } catch {
                return
            }
        }
    }

    /// Runs one check once and reports the outcome (what the loop does each tick).
    @discardableResult
    public func runOnce(_ check: ProbeCheck, runner: ProbeRunner) async -> ProbeOutcome {
        let outcome = await runner.run(check)
        let (status, transition) = board.record(outcome, of: check)
        switch transition {
        case .down(let incident):
            logger.warning(
                "probe confirmed down",
                metadata: ["check": "\(check.name)", "reason": "\(incident.reason.rawValue)", "detail": "\(incident.detail)", "failures": "\(status.consecutiveFailures)"]
            )
        case .recovered(let incident):
            let downFor = (incident.endedAt ?? outcome.startedAt).timeIntervalSince(incident.startedAt)
            logger.notice("probe recovered", metadata: ["check": "\(check.name)", "down_seconds": "\(Int(downFor))"])
        case nil:
            if let failure = outcome.failure {
                logger.info("probe failed", metadata: ["check": "\(check.name)", "reason": "\(failure.rawValue)", "detail": "\(outcome.detail)"])
            }
        }
        for observer in observers { observer.probeFinished(outcome, check: check, status: status) }
        return outcome
    }
}

extension ProberService where C == ContinuousClock {
    public init(
        checks: [ProbeCheck], board: ProbeStatusBoard? = nil, client: HTTPProbeClient = HTTPProbeClient(),
        baseURL: @escaping @Sendable () async -> URL?, variables: [String: String] = [:], probeSecret: String? = nil,
        observers: [any ProbeObserver] = [], logger: Logger
    ) {
        self.init(
            checks: checks, board: board, client: client, baseURL: baseURL, variables: variables, probeSecret: probeSecret, observers: observers,
            clock: ContinuousClock(), logger: logger
        )
    }
}
