import Foundation
import Logging
import LookoutMetrics
import LookoutProber
import LookoutSLA
import LookoutSLAMetrics
import LookoutSentry
import LookoutStatusPage

/// Counts every probe run toward the `availability` objective straight into the exported SLO counters, for the
/// standalone prober, which has no database to keep minutes in: Prometheus sums them with the API's request events.
struct SLAProbeEvents: ProbeObserver {
    let sink: SLAEventMetrics

    func probeFinished(_ outcome: ProbeOutcome, check: ProbeCheck, status: CheckStatus) {
        sink.counted([(Objective.availability.name, outcome.success)])
    }
}

/// The HTTP server's bound port, for services that must wait until it listens (the in-process prober with port 0).
final class ListeningPort: Sendable {
    private let stream: AsyncStream<Int>
    private let continuation: AsyncStream<Int>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    }

    func publish(_ port: Int) {
        continuation.yield(port)
        continuation.finish()
    }

    /// The port, once known; nil if the waiting task is cancelled first.
    func wait() async -> Int? {
        for await port in stream { return port }
        return nil
    }
}

extension ServiceAssembly {
    /// The prober over `configuration.prober.checks`, reporting to the status board, the metrics (when on) and the
    /// `availability` objective.
    func makeProber(baseURL: @escaping @Sendable () async -> URL?) -> ProberService<ContinuousClock> {
        let settings = configuration.prober
        var observers: [any ProbeObserver] = [SLAProbeRecorder(recorder: slaRecorder)]
        let checks = settings.checks
        if let metrics { observers.append(ProbeMetrics(registry: metrics, checks: checks)) }
        if sentry.isEnabled { observers.append(SentryProbeMonitors(client: sentry.client, checks: checks)) }
        let account = settings.account ?? .random()
        let variables = (settings.file?.variables ?? [:]).merging(account.variables) { file, _ in file }
        return ProberService(
            checks: checks, board: probeBoard, baseURL: baseURL, variables: variables, probeSecret: probeSecret, observers: observers,
            logger: Logger(label: "lookout.prober")
        )
    }

    /// The URL the backend's prober uses for paths: `LOOKOUT_PROBER_BASE_URL`, the checks file's `base_url`, or the
    /// server's own address once it listens (`0.0.0.0` and `::` become loopback).
    func proberBaseURL(port: ListeningPort) -> @Sendable () async -> URL? {
        let settings = configuration.prober
        if let url = settings.baseURL ?? settings.file?.baseURL { return { url } }
        let host = configuration.httpHost
        return {
            guard let bound = await port.wait() else { return nil }
            let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "[::1]" : host.contains(":") ? "[\(host)]" : host
            return URL(string: "http://\(reachable):\(bound)")
        }
    }
}

/// Each check a Sentry cron monitor (`probe-<check>`): a failed run reported at once, a passing one at most once a
/// minute, and an issue opened after as many failed runs in a row as confirm an outage (the check's
/// `failuresToConfirm`). Sentry then also says when the prober itself stops running (a missed check-in).
struct SentryProbeMonitors: ProbeObserver {
    let monitors: [String: PeriodicMonitor]

    init(client: SentryClient, checks: [ProbeCheck]) {
        monitors = Dictionary(uniqueKeysWithValues: checks.map { check in
            let monitor = PeriodicMonitor(
                client: client, slug: "probe-\(check.name)", every: max(check.interval, .seconds(60)), failuresToConfirm: check.failuresToConfirm
            )
            return (check.name, monitor)
        })
    }

    func probeFinished(_ outcome: ProbeOutcome, check: ProbeCheck, status: CheckStatus) {
        monitors[check.name]?.runFinished(succeeded: outcome.failure == nil, duration: .milliseconds(Int64(outcome.duration * 1000)))
    }
}
