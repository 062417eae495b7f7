import Foundation
import GenerationCore
import GenerationHTTP
import GenerationSQLite
import Logging
import LookoutProber
import LookoutSentry

/// `GET /health/detailed`: each dependency's state and how long asking it took, for an operator (not for a load
/// balancer: `/health/ready` is the one to route on).
///
/// Overall `status`: `down` (HTTP 503) when the database or the queue cannot be read; `degraded` (200) when anything
/// else is not `up` (the worker's heartbeat is stale, the queue lags, Sentry cannot deliver, the prober is stale or a
/// check is confirmed down); `ok` otherwise.
public struct DetailedHealth: DetailedHealthCheck {
    public typealias Report = DetailedHealthReport
    typealias Dependency = DetailedHealthReport.Dependency

    public struct Thresholds: Sendable {
        /// The worker is `down` without a heartbeat this recent (`LOOKOUT_WORKER_HEARTBEAT_MAX_AGE_SECONDS`).
        public var workerHeartbeatMaxAge: Duration
        /// The queue is `degraded` when its oldest waiting job has waited longer. Default 60 s.
        public var queueLag: Duration = .seconds(60)

        public init(workerHeartbeatMaxAge: Duration = .seconds(30), queueLag: Duration = .seconds(60)) {
            self.workerHeartbeatMaxAge = workerHeartbeatMaxAge
            self.queueLag = queueLag
        }
    }

    let storage: SQLiteStorage
    let transport: HTTPTransport?
    /// Nil when the prober does not run in this process.
    let prober: ProbeStatusBoard?
    let thresholds: Thresholds
    let now: @Sendable () -> Date
    /// Where an error's own text goes: the report, which may be public, carries a fixed sentence.
    let logger: Logger

    public init(
        storage: SQLiteStorage, transport: HTTPTransport?, prober: ProbeStatusBoard?, thresholds: Thresholds = .init(),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "lookout.health")
    ) {
        self.storage = storage
        self.transport = transport
        self.prober = prober
        self.thresholds = thresholds
        self.now = now
        self.logger = logger
    }

    /// A send failure as the public report may show it: an HTTP status as it is, anything else (whose text names
    /// hosts and addresses) as "network error".
    static func publicReason(_ lastError: String?) -> String? {
        guard let lastError else { return nil }
        if lastError.hasPrefix("HTTP "), !lastError.dropFirst(5).isEmpty, lastError.dropFirst(5).allSatisfy(\.isNumber) { return lastError }
        return "network error"
    }

    public func report() async -> Report {
        let clock = ContinuousClock()
        var dependencies: [String: Dependency] = [:]

        var start = clock.now
        let health = await storage.health()
        let databaseLatency = (clock.now - start).timeInterval * 1000
        if !health.reachable {
            dependencies["database"] = Dependency(status: "down", detail: "the database did not answer", latencyMs: databaseLatency)
        } else if !health.migrationsApplied {
            dependencies["database"] = Dependency(status: "down", detail: "schema migrations are not all applied", latencyMs: databaseLatency)
        } else {
            dependencies["database"] = Dependency(status: "up", detail: "reachable, migrations applied", latencyMs: databaseLatency)
        }

        start = clock.now
        do {
            let snapshot = try await storage.queueSnapshot()
            let latency = (clock.now - start).timeInterval * 1000
            let lag = snapshot.oldestQueuedAt.map { max(0, now().timeIntervalSince($0)) } ?? 0
            let lagging = lag > thresholds.queueLag.timeInterval
            dependencies["queue"] = Dependency(
                status: lagging ? "degraded" : "up",
                detail: "\(snapshot.queued) queued, \(snapshot.running) running; oldest waiting \(Self.format(lag))"
                    + (lagging ? " (more than \(Self.format(thresholds.queueLag.timeInterval)))" : ""),
                latencyMs: latency, queued: snapshot.queued, running: snapshot.running, lagSeconds: lag
            )
        } catch {
            logger.error("health: the queue could not be read", metadata: ["error": .string(String(describing: error))])
            dependencies["queue"] = Dependency(
                status: "down", detail: "the queue could not be read (the error is in the log)", latencyMs: ((clock.now - start).timeInterval * 1000)
            )
        }

        if let beat = health.latestWorkerHeartbeat {
            let age = max(0, now().timeIntervalSince(beat))
            let fresh = age <= thresholds.workerHeartbeatMaxAge.timeInterval
            dependencies["worker"] = Dependency(
                status: fresh ? "up" : "down",
                detail: "last heartbeat \(Self.format(age)) ago" + (fresh ? "" : " (limit \(Self.format(thresholds.workerHeartbeatMaxAge.timeInterval)))"),
                heartbeatAgeSeconds: age
            )
        } else {
            dependencies["worker"] = Dependency(status: "down", detail: "no worker has ever reported a heartbeat")
        }

        if let transport {
            let statistics = transport.statistics
            let lastError = Self.publicReason(statistics.lastError)
            dependencies["sentry"] = Dependency(
                status: lastError != nil ? "degraded" : "up",
                detail: lastError.map { "the last send failed (\($0)); \(statistics.queued) envelope(s) waiting" }
                    ?? "\(statistics.sentEnvelopes) envelope(s) delivered, \(statistics.queued) waiting",
                queued: statistics.queued, sent: statistics.sentEnvelopes, failedAttempts: statistics.failedAttempts, lastError: lastError
            )
        } else {
            dependencies["sentry"] = Dependency(status: "disabled", detail: "SENTRY_DSN is not set")
        }

        if let prober {
            let statuses = prober.statuses()
            let down = statuses.filter(\.isDown).map(\.check)
            let shortest = statuses.map(\.interval).min() ?? .seconds(30)
            if let last = prober.lastRunAt() {
                let age = max(0, now().timeIntervalSince(last))
                // Stale: no run finished in three of the shortest intervals (plus the timeout's worth of slack).
                let stale = age > 3 * shortest.timeInterval + 10
                dependencies["prober"] = Dependency(
                    status: stale ? "stale" : down.isEmpty ? "up" : "degraded",
                    detail: stale
                        ? "no check has finished for \(Self.format(age))"
                        : "last run \(Self.format(age)) ago; \(statuses.count) checks, " + (down.isEmpty ? "none down" : "down: \(down.joined(separator: ", "))"),
                    lastRunAgeSeconds: age, checksDown: down
                )
            } else {
                dependencies["prober"] = Dependency(status: "pending", detail: "no check has finished yet", checksDown: [])
            }
        } else {
            dependencies["prober"] = Dependency(status: "disabled", detail: "the prober does not run in this process (LOOKOUT_PROBER_ENABLED=false)")
        }

        let critical = ["database", "queue"].contains { dependencies[$0]?.status == "down" }
        let degraded = dependencies.values.contains { !["up", "disabled", "pending"].contains($0.status) }
        return Report(status: critical ? "down" : degraded ? "degraded" : "ok", checkedAt: now(), dependencies: dependencies)
    }

    static func format(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.1f s", seconds) : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
