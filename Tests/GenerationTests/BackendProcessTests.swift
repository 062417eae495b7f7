import AsyncHTTPClient
import Foundation
import GenerationCore
import GenerationSQLite
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

/// The real executables, started as a user would, over HTTP and signals.
@Suite(.serialized, .integration("the built backend and worker")) struct BackendProcessTests {
    let directory: URL

    init() throws {
        directory = try ServiceProcess.temporaryDirectory("lookout-process")
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ServiceProcess.environment(directory: directory, extra)
    }

    @Test func theBackendServesTheWalkthroughAndStopsCleanlyOnSIGTERM() async throws {
        let backend = try ServiceProcess("backend", environment: environment())
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"

        #expect(try await eventually { try await call(.GET, "\(base)/health/ready").status == 200 }, "ready once the database is open")
        #expect(try await call(.POST, "\(base)/api/v1/users", body: #"{"email":"walk@example.com","password":"correct horse"}"#).status == 202)
        let login = try await call(.POST, "\(base)/api/v1/sessions", body: #"{"email":"walk@example.com","password":"correct horse"}"#)
        let token = try #require(login.json["token"] as? String)
        let payment = try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "walkthrough-1")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_visa"}"#
        )
        #expect(payment.status == 201)
        let submitted = try await call(.POST, "\(base)/api/v1/generations", token: token, body: #"{"prompt":"a lighthouse at dusk","kind":"image"}"#)
        #expect(submitted.status == 202)
        let location = try #require(submitted.headers.first(name: "Location"))
        var generation: [String: Any] = [:]
        #expect(try await eventually {
            generation = try await call(.GET, "\(base)\(location)", token: token).json
            return generation["status"] as? String == "succeeded"
        })
        #expect((generation["result"] as? [String: Any])?["content_type"] as? String == "image/svg+xml")
        #expect(try await call(.GET, "\(base)/api/v1/me", token: token).json["credits"] as? Int == 490)

        // Every line logged for a request carries its request id.
        let requestLines = backend.logRecords.filter { $0["message"] as? String == "request" }
        #expect(requestLines.count >= 6)
        #expect(requestLines.allSatisfy { ($0["request_id"] as? String)?.isEmpty == false })

        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
        #expect(backend.logRecords.contains { $0["message"] as? String == "stopped cleanly" })
    }

    @Test func sigtermLetsAnInFlightRequestFinishBeforeExiting() async throws {
        let backend = try ServiceProcess("backend", environment: environment(["LOOKOUT_PAYMENT_TIMEOUT_SECONDS": "3"]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        #expect(try await call(.POST, "\(base)/api/v1/users", body: #"{"email":"drain@example.com","password":"correct horse"}"#).status == 202)
        let login = try await call(.POST, "\(base)/api/v1/sessions", body: #"{"email":"drain@example.com","password":"correct horse"}"#)
        let token = try #require(login.json["token"] as? String)
        // tok_timeout makes the provider hang: the request is in flight for the 3 s payment timeout.
        let slow = Task {
            try await call(
                .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "drain")],
                body: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_timeout"}"#
            ).status
        }
        // SIGTERM once the payment is in flight, as the service's own gauge says (/metrics is not counted in it).
        #expect(try await eventually {
            let metrics = try await call(.GET, "\(base)/metrics")
            return (try ScrapedMetrics(metrics.text).value("http_requests_in_flight") ?? 0) >= 1
        }, "the payment request is in flight")
        backend.signal(SIGTERM)
        let status = try await slow.value
        #expect(status == 504, "the in-flight request got its real answer, not a dropped connection")
        #expect(try await backend.waitForExit() == 0)
    }

    @Test func invalidConfigurationStopsStartUpNamingTheVariable() async throws {
        let backend = try ServiceProcess("backend", environment: environment(["LOOKOUT_HTTP_PORT": "eighty"]))
        #expect(try await backend.waitForExit() == 2)
        #expect(backend.standardError.contains("LOOKOUT_HTTP_PORT=\"eighty\""))
        #expect(backend.standardError.contains("an integer 0-65535"))
    }

    /// Over real TCP the client is the connection's peer: the in-process tests cannot show that this address is read.
    @Test func loginsPastTheClientLimitGet429WithRetryAfter() async throws {
        let backend = try ServiceProcess("backend", environment: environment(["LOOKOUT_RATE_LIMIT_AUTH": "2/1h"]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let credentials = #"{"email":"nobody@example.com","password":"correct horse"}"#
        for _ in 0..<2 { #expect(try await call(.POST, "\(base)/api/v1/sessions", body: credentials).status == 401) }
        let refused = try await call(.POST, "\(base)/api/v1/sessions", body: credentials)
        #expect(refused.status == 429)
        // One request per half hour after the burst; the real clock has moved on a little since.
        let retryAfter = try #require(refused.headers.first(name: "Retry-After").flatMap { Int($0) })
        #expect((1600...1800).contains(retryAfter))
        #expect(refused.json["detail"] as? String == "too many requests from this client (limit auth: 2/1h); retry in \(retryAfter) s")
        // A proxy's X-Forwarded-For is not believed unless LOOKOUT_TRUSTED_PROXY_HOPS says there is a proxy.
        #expect(try await call(.POST, "\(base)/api/v1/sessions", headers: [("X-Forwarded-For", "203.0.113.9")], body: credentials).status == 429)
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }

    @Test func theSandboxProviderInProductionStopsTheBackendButNotTheWorker() async throws {
        let production = environment(["LOOKOUT_ENVIRONMENT": "production"])
        let backend = try ServiceProcess("backend", environment: production)
        #expect(try await backend.waitForExit() == 2)
        #expect(backend.standardError.contains("LOOKOUT_PAYMENT_PROVIDER=\"sandbox\""), "\(backend.standardError)")
        // The worker takes no payment: the same settings start it.
        let worker = try ServiceProcess("worker", environment: production)
        _ = try await worker.waitForPort("worker metrics server listening")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    /// `backend backup PATH` while the service runs, then the documented restore: the copy, started as the database,
    /// holds the account, its password and its credits.
    @Test func aBackupTakenWhileRunningRestoresTheAccountsAndTheirCredits() async throws {
        let backend = try ServiceProcess("backend", environment: environment())
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let credentials = #"{"email":"saved@example.com","password":"correct horse"}"#
        #expect(try await call(.POST, "\(base)/api/v1/users", body: credentials).status == 202)
        let token = try #require(try await call(.POST, "\(base)/api/v1/sessions", body: credentials).json["token"] as? String)
        let payment = try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "backup-1")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_visa"}"#
        )
        #expect(payment.status == 201)

        let copy = directory.appendingPathComponent("backups/lookout-copy.sqlite").path
        let backup = try ServiceProcess("backend", arguments: ["backup", copy], environment: environment())
        #expect(try await backup.waitForExit() == 0, "\(backup.standardError)")
        #expect(backup.lines.contains { $0.contains("written to \(copy)") && $0.contains("integrity ok") }, "\(backup.lines)")
        let again = try ServiceProcess("backend", arguments: ["backup", copy], environment: environment())
        #expect(try await again.waitForExit() == 1)
        #expect(again.standardError.contains("exists: a backup never overwrites a file"))
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)

        // Restore into a fresh folder, as docs/operations.md says: the copy becomes the database file.
        let restored = try ServiceProcess.temporaryDirectory("lookout-restored")
        try FileManager.default.copyItem(atPath: copy, toPath: restored.appendingPathComponent("lookout.sqlite").path)
        let revived = try ServiceProcess("backend", environment: ServiceProcess.environment(directory: restored))
        let revivedBase = "http://127.0.0.1:\(try await revived.waitForPort())"
        let login = try await call(.POST, "\(revivedBase)/api/v1/sessions", body: credentials)
        #expect(login.status == 201)
        let me = try await call(.GET, "\(revivedBase)/api/v1/me", token: try #require(login.json["token"] as? String))
        #expect(me.json["credits"] as? Int == 500)
        revived.signal(SIGTERM)
        #expect(try await revived.waitForExit() == 0)
    }

    @Test func aSecretFileThatCannotBeReadStopsStartUpNamingIt() async throws {
        let missing = directory.appendingPathComponent("not-attached").path
        let backend = try ServiceProcess("backend", environment: environment(["LOOKOUT_ADMIN_TOKEN_FILE": missing]))
        #expect(try await backend.waitForExit() == 2)
        #expect(backend.standardError.contains("LOOKOUT_ADMIN_TOKEN_FILE=\"\(missing)\""), "\(backend.standardError)")
        #expect(backend.standardError.contains("is the secret attached to this service?"))
    }

    @Test func aJobWhoseWorkerWasKilledIsFinishedExactlyOnceByAnotherWorker() async throws {
        // Enqueue a generation directly in the shared database file.
        let storage = try SQLiteStorage.migrated(location: .file(path: "\(directory.path)/lookout.sqlite"))
        let now = Date()
        _ = try await storage.createUser(id: "usr_k", email: "k@example.com", passwordHash: "x", now: now)
        let payment = Payment(id: "pay_k", userID: "usr_k", idempotencyKey: "k", requestFingerprint: "f", amountMinor: 100, currency: .eur, credits: 100, status: .pending, createdAt: now, updatedAt: now)
        _ = try await storage.beginPayment(payment)
        _ = try await storage.settlePayment(id: "pay_k", .approved(providerReference: "r"), now: now)
        let generation = Generation(id: "gen_killed", userID: "usr_k", kind: .text, prompt: "survive", status: .queued, creditCost: 2, createdAt: now, updatedAt: now)
        _ = try await storage.submitGeneration(generation, maxAttempts: 3, traceHeaders: [:], now: now)

        // A worker whose generator takes a minute claims it, and is SIGKILLed mid-job.
        let doomed = try ServiceProcess("worker", environment: environment([
            "LOOKOUT_WORKER_ID": "doomed", "LOOKOUT_JOB_LEASE_SECONDS": "2",
            "LOOKOUT_GENERATOR_MIN_LATENCY_MS": "60000", "LOOKOUT_GENERATOR_MAX_LATENCY_MS": "60000",
        ]))
        #expect(try await eventually { try await storage.generation(id: "gen_killed", userID: "usr_k")?.status == .running })
        doomed.signal(SIGKILL)
        #expect(try await doomed.waitForExit() == SIGKILL)

        // A healthy worker reclaims it once the dead one's lease expires.
        let rescuer = try ServiceProcess("worker", environment: environment(["LOOKOUT_WORKER_ID": "rescuer"]))
        #expect(try await eventually { try await storage.generation(id: "gen_killed", userID: "usr_k")?.status == .succeeded })
        let finished = try #require(try await storage.generation(id: "gen_killed", userID: "usr_k"))
        #expect(finished.attempts == 2)
        #expect(finished.result == SyntheticGenerator.render(kind: .text, prompt: "survive"))
        #expect(try await storage.queueSnapshot() == QueueSnapshot(succeeded: 1))
        #expect(try await storage.user(id: "usr_k")?.credits == 98, "charged once, not refunded")
        rescuer.signal(SIGTERM)
        #expect(try await rescuer.waitForExit() == 0)
    }
}
