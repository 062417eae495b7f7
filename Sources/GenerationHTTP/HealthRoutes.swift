import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `/health` (liveness: the process answers) and `/health/ready` (it can do useful work).
struct HealthRoutes: Sendable {
    let storage: any StorageHealthCheck
    /// A worker heartbeat older than this makes the service not ready.
    let workerHeartbeatMaxAge: Duration
    let now: @Sendable () -> Date

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
            try JSONResponse.make(["status": "ok"])
        }
        router.on(.get, "/health/ready", recordingIn: table) { _, _ in
            let readiness = await readiness()
            return try JSONResponse.make(readiness, status: readiness.status == "ready" ? .ok : .serviceUnavailable)
        }
    }

    func readiness() async -> Readiness {
        let health = await storage.health()
        var checks: [String: Check] = [:]
        checks["database"] = health.reachable ? Check(status: "up", detail: "reachable") : Check(status: "down", detail: "the database did not answer")
        checks["migrations"] =
            health.migrationsApplied
            ? Check(status: "up", detail: "all applied") : Check(status: "down", detail: "schema migrations are not all applied")
        let maxAge = workerHeartbeatMaxAge.timeInterval
        if let beat = health.latestWorkerHeartbeat {
            let age = now().timeIntervalSince(beat)
            checks["worker"] =
                age <= maxAge
                ? Check(status: "up", detail: String(format: "last heartbeat %.1f s ago", age))
                : Check(status: "down", detail: String(format: "last heartbeat %.0f s ago (limit %.0f s)", age, maxAge))
        } else {
            checks["worker"] = Check(status: "down", detail: "no worker has ever reported a heartbeat")
        }
        let ready = checks.values.allSatisfy { $0.status == "up" }
        return Readiness(status: ready ? "ready" : "not_ready", checks: checks)
    }
}
