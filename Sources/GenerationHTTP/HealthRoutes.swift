import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `/health` (liveness: the process answers) and `/health/ready` (it can serve requests: the database answers and its
/// schema is current). The worker is deliberately not part of readiness: the API accepts and queues work while no worker
/// runs, and a load balancer or orchestrator that took the API out on a worker outage would turn a delay into an outage.
/// The worker's state is in `/health/detailed` and the `LookoutWorkerHeartbeatStale` alert.
struct HealthRoutes: Sendable {
    let storage: any StorageHealthCheck

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
        let ready = checks.values.allSatisfy { $0.status == "up" }
        return Readiness(status: ready ? "ready" : "not_ready", checks: checks)
    }
}
