import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore

/// `/health` (liveness: the process answers) and `/health/ready` (it can serve requests: the database answers and its
/// schema is current). The worker is deliberately not part of readiness: the API accepts and queues work while no worker
/// runs, and a load balancer or orchestrator that took the API out on a worker outage would turn a delay into an outage.
/// The worker's state is in `/health/detailed` and the `LookoutWorkerHeartbeatStale` alert.
struct HealthRoutes: Sendable {
    let storage: any StorageHealthCheck
    /// Serves `/health/detailed` when set.
    let detailed: (any DetailedHealthCheck)?

    static let alive = Data(#"{"status":"ok"}"#.utf8)

    struct Check: Encodable {
        var status: String
        var detail: String
    }

    struct Readiness: Encodable {
        var status: String
        var checks: [String: Check]
    }

    func register(on router: Router<APIRequestContext>, table: RouteTable) {
        router.on(.get, "/health", recordingIn: table) { _, _ in
            // Probed every few seconds by every balancer and orchestrator: the answer never changes, so it is not encoded.
            JSONResponse.raw(Self.alive)
        }
        router.on(.get, "/health/ready", recordingIn: table) { _, _ in
            let readiness = await readiness()
            return try JSONResponse.make(readiness, status: readiness.status == "ready" ? .ok : .serviceUnavailable)
        }
        if let detailed {
            router.on(.get, "/health/detailed", recordingIn: table) { _, _ in
                let report = await detailed.report()
                return try JSONResponse.snakeCase(report, status: report.status == "down" ? .serviceUnavailable : .ok)
            }
        }
    }

    func readiness() async -> Readiness {
        let health = await storage.health()
        var checks: [String: Check] = [:]
        checks["database"] = health.reachable ? Check(status: "up", detail: "reachable") : Check(status: "down", detail: "the database did not answer")
        checks["migrations"] =
            health.migrationsApplied
            ? Check(status: "up", detail: "all applied") : Check(status: "down", detail: "schema migrations are not all applied")
        let ready = checks.values.allSatisfy { $0.status == "up" }
        return Readiness(status: ready ? "ready" : "not_ready", checks: checks)
    }
}

/// What `GET /health/detailed` reports: each dependency's state and how long asking it took, for an operator (a load
/// balancer routes on `/health/ready`). 503 when `status` is `down`. The app builds it (`DetailedHealth`: the
/// database, the queue, the worker's heartbeat, Sentry's delivery, the prober).
public protocol DetailedHealthCheck: Sendable {
    func report() async -> DetailedHealthReport
}

public struct DetailedHealthReport: Encodable, Sendable {
    /// `ok`, `degraded` or `down`.
    public var status: String
    public var checkedAt: Date
    public var dependencies: [String: Dependency]

    public init(status: String, checkedAt: Date, dependencies: [String: Dependency]) {
        self.status = status
        self.checkedAt = checkedAt
        self.dependencies = dependencies
    }

    public struct Dependency: Encodable, Sendable {
        /// `up`, `down`, `degraded`, `stale`, `pending` or `disabled`.
        public var status: String
        public var detail: String
        /// How long asking took, in milliseconds (for dependencies that are asked).
        public var latencyMs: Double?
        public var queued: Int?
        public var running: Int?
        public var lagSeconds: Double?
        public var heartbeatAgeSeconds: Double?
        public var sent: Int?
        public var failedAttempts: Int?
        public var lastError: String?
        public var lastRunAgeSeconds: Double?
        public var checksDown: [String]?

        public init(
            status: String, detail: String, latencyMs: Double? = nil, queued: Int? = nil, running: Int? = nil, lagSeconds: Double? = nil,
            heartbeatAgeSeconds: Double? = nil, sent: Int? = nil, failedAttempts: Int? = nil, lastError: String? = nil,
            lastRunAgeSeconds: Double? = nil, checksDown: [String]? = nil
        ) {
            self.status = status
            self.detail = detail
            self.latencyMs = latencyMs
            self.queued = queued
            self.running = running
            self.lagSeconds = lagSeconds
            self.heartbeatAgeSeconds = heartbeatAgeSeconds
            self.sent = sent
            self.failedAttempts = failedAttempts
            self.lastError = lastError
            self.lastRunAgeSeconds = lastRunAgeSeconds
            self.checksDown = checksDown
        }
    }
}
