import Foundation
import LookoutSentry
import NIOHTTP1
import Testing
import TestSupport

/// Sentry through the real executables: errors into bugsink (a real Sentry-protocol server) and read back from its
/// API; traces into a recording server and checked by Sentry's own normaliser; a hanging Sentry never holding a request.
@Suite(.serialized, .integration("the built backend", "bugsink, which scripts/test.sh starts")) struct SentryProcessTests {
    let directory: URL

    init() throws {
        directory = try ServiceProcess.temporaryDirectory("lookout-sentry")
    }

    func environment(_ extra: [String: String]) -> [String: String] {
        ServiceProcess.environment(directory: directory, extra)
    }

    /// Registers, logs in and returns the bearer token.
    func signUp(_ base: String, email: String, password: String) async throws -> String {
        let body = #"{"email":"\#(email)","password":"\#(password)"}"#
        #expect(try await call(.POST, "\(base)/api/v1/users", body: body).status == 202)
        return try #require(try await call(.POST, "\(base)/api/v1/sessions", body: body).json["token"] as? String)
    }

    @Test func anErrorInTheRunningServiceReachesBugsinkWithItsContextAndNoSecrets() async throws {
        let bugsink = try Bugsink.fromEnvironment()
        let environmentName = "e2e-\(UUID().uuidString.prefix(8).lowercased())"
        let backend = try ServiceProcess("backend", environment: environment([
            "SENTRY_DSN": bugsink.dsn, "SENTRY_ENVIRONMENT": environmentName, "SENTRY_RELEASE": "lookout@e2e", "SENTRY_TRACES_SAMPLE_RATE": "1",
        ]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let email = "grace.\(environmentName)@example.com"
        let password = "correct horse battery staple"
        let token = try await signUp(base, email: email, password: password)
        let payment = try await call(
            .POST, "\(base)/api/v1/payments?api_key=sk_live_query_secret", token: token, headers: [("Idempotency-Key", "e2e-1")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_provider_error"}"#
        )
        #expect(payment.status == 502)

        // A second failure, sent after the first request was answered: the transport delivers in order, so once its
        // event is stored, anything the first request produced is stored too. Two failures must be exactly two events.
        let sentinel = try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "e2e-2")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_provider_error"}"#
        )
        #expect(sentinel.status == 502)
        var events: [[String: Any]] = []
        #expect(try await eventually {
            events = try await bugsink.events(environment: environmentName)
            return events.count >= 2
        }, "both events reach bugsink")
        #expect(events.count == 2, "one failure, one event (the access log's error line is not a second one)")
        let event = try #require(events.first)

        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "ServiceError")
        #expect((exception["value"] as? String)?.contains("payment-provider-error") == true)
        // Where the error was made, not where the middleware caught it: the service's own frame is the innermost in-app one.
        let frames = ((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]]) ?? []
        let inApp = frames.filter { $0["in_app"] as? Bool == true }.compactMap { $0["function"] as? String }
        #expect(inApp.last?.contains("PaymentService.throwIfUnsuccessful") == true, "\(inApp.suffix(4))")
        #expect(frames.allSatisfy { ($0["instruction_addr"] as? String)?.hasPrefix("0x") == true })
        let images = ((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]]) ?? []
        #expect(images.contains { ($0["code_file"] as? String)?.hasSuffix("/backend") == true && $0["code_id"] != nil }, "\(images.prefix(2))")
        #expect(event["release"] as? String == "lookout@e2e")
        #expect(event["environment"] as? String == environmentName)
        #expect(event["transaction"] as? String == "POST /api/v1/payments")
        let tags = try #require(event["tags"] as? [String: Any])
        #expect(tags["route"] as? String == "/api/v1/payments")
        #expect(tags["http.status_code"] as? String == "502")
        let breadcrumbs = ((event["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
        #expect(breadcrumbs.contains { $0["message"] as? String == "payment failed" && $0["category"] as? String == "payment" })
        let request = try #require(event["request"] as? [String: Any])
        #expect(request["method"] as? String == "POST")
        #expect(request["url"] as? String == "\(base)/api/v1/payments", "no query string")
        #expect((request["headers"] as? [String: Any])?["authorization"] as? String == "[Filtered]")
        let user = try #require(event["user"] as? [String: String])
        #expect(Array(user.keys) == ["id"] && user["id"]?.hasPrefix("usr_") == true)
        let trace = try #require((event["contexts"] as? [String: Any])?["trace"] as? [String: Any])
        #expect((trace["trace_id"] as? String)?.count == 32)

        let stored = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
        for secret in [password, email, token, "sk_live_query_secret"] {
            #expect(!stored.contains(secret), "\(secret) leaked into the stored event")
        }
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }

    /// A trap in a request handler: the Swift backtracer writes a JSON crash log as the process dies, and the next start
    /// sends it to bugsink as a fatal, unhandled event whose top in-app frame is the function that trapped.
    @Test func aCrashInARequestReachesBugsinkAfterTheRestart() async throws {
        let bugsink = try Bugsink.fromEnvironment()
        let environmentName = "crash-\(UUID().uuidString.prefix(8).lowercased())"
        let crashes = directory.appendingPathComponent("crashes")
        let admin = "crash-test-admin-token-0123456789"
        let settings = environment([
            "SENTRY_DSN": bugsink.dsn, "SENTRY_ENVIRONMENT": environmentName, "LOOKOUT_ADMIN_TOKEN": admin, "LOOKOUT_ADMIN_CRASH_ROUTE": "true",
            "SWIFT_BACKTRACE": "enable=yes,format=json,output-to=\(crashes.path),interactive=no",
        ])
        let first = try ServiceProcess("backend", environment: settings)
        let base = "http://127.0.0.1:\(try await first.waitForPort())"
        #expect(FileManager.default.fileExists(atPath: crashes.path), "made at start, for the backtracer to write into")
        #expect(try await call(.POST, "\(base)/admin/crash").status == 401, "the admin token is needed")
        _ = try? await call(.POST, "\(base)/admin/crash", token: admin)
        let status = try await first.waitForExit()
        #expect(status != 0, "the process died")
        let logs = try FileManager.default.contentsOfDirectory(atPath: crashes.path).filter { $0.hasSuffix(".json") }
        #expect(logs.count == 1, "one crash log: \(logs)")

        let second = try ServiceProcess("backend", environment: settings)
        _ = try await second.waitForPort()
        var events: [[String: Any]] = []
        #expect(try await eventually {
            events = try await bugsink.events(environment: environmentName)
            return !events.isEmpty
        }, "the crash reaches bugsink")
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event["level"] as? String == "fatal")
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect((exception["mechanism"] as? [String: Any])?["handled"] as? Bool == false)
        let frames = ((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]]) ?? []
        let inApp = frames.filter { $0["in_app"] as? Bool == true }.compactMap { $0["function"] as? String }
        #expect(inApp.last?.contains("CrashRoute.crash()") == true, "\(inApp.suffix(3))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: crashes.path).filter { $0.hasSuffix(".json") }.isEmpty, "sent once, then deleted")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    /// A job that fails for good is one event with its job id, generation id and attempt, in the trace of its job.
    @Test func aFailedJobReachesBugsinkWithItsJobAndAttempt() async throws {
        let bugsink = try Bugsink.fromEnvironment()
        let environmentName = "jobs-\(UUID().uuidString.prefix(8).lowercased())"
        let backend = try ServiceProcess("backend", environment: environment([
            "SENTRY_DSN": bugsink.dsn, "SENTRY_ENVIRONMENT": environmentName, "LOOKOUT_GENERATOR_FAILURE_RATE": "1", "LOOKOUT_JOB_MAX_ATTEMPTS": "1",
        ]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let token = try await signUp(base, email: "jobs@example.com", password: "correct horse")
        #expect(try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "jobs-1")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_visa"}"#
        ).status == 201)
        let submitted = try await call(.POST, "\(base)/api/v1/generations", token: token, body: #"{"prompt":"never works","kind":"image"}"#)
        let generationID = try #require(submitted.json["id"] as? String)

        var events: [[String: Any]] = []
        #expect(try await eventually {
            events = try await bugsink.events(environment: environmentName)
            return !events.isEmpty
        })
        let event = try #require(events.first)
        #expect(events.count == 1, "one event: not again for the worker's error log line")
        let tags = try #require(event["tags"] as? [String: Any])
        #expect(tags["generation_id"] as? String == generationID)
        #expect(tags["attempt"] as? String == "1")
        #expect(tags["job_outcome"] as? String == "dead_lettered")
        #expect((tags["job_id"] as? String).flatMap(Int.init) != nil)
        #expect(event["level"] as? String == "error")
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "GeneratorError")
        #expect(((event["contexts"] as? [String: Any])?["trace"] as? [String: Any])?["op"] as? String == "queue.process")
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }

    @Test func verifySentrySendsATestEventAnOperatorCanFind() async throws {
        let bugsink = try Bugsink.fromEnvironment()
        let verify = try ServiceProcess("backend", arguments: ["verify-sentry"], environment: environment(["SENTRY_DSN": bugsink.dsn]))
        #expect(try await verify.waitForExit() == 0, "\(verify.lines)")
        let line = try #require(verify.lines.first { $0.contains("Sentry accepted event") }, "\(verify.lines)")
        let id = try #require(line.split(separator: " ").drop { $0 != "event" }.dropFirst().first.map(String.init))
        var stored: [String: Any]?
        #expect(try await eventually {
            stored = try await bugsink.event(id: id)
            return stored != nil
        })
        let data = try #require(stored?["data"] as? [String: Any])
        #expect((data["tags"] as? [String: Any])?["verification"] as? String == "true")
    }

    @Test func verifySentrySaysWhyNothingArrived() async throws {
        let unreachable = try ServiceProcess(
            "backend", arguments: ["verify-sentry"], environment: environment(["SENTRY_DSN": "http://key@127.0.0.1:\(TestPorts.refusing)/1"])
        )
        #expect(try await unreachable.waitForExit() == 1)
        #expect(unreachable.lines.contains { $0.contains("was not accepted by http://127.0.0.1") }, "\(unreachable.lines)")
        let unset = try ServiceProcess("backend", arguments: ["verify-sentry"], environment: environment([:]))
        #expect(try await unset.waitForExit() == 2)
        #expect(unset.lines.contains { $0.contains("SENTRY_DSN is not set") }, "\(unset.lines)")
    }

    /// One trace from the caller through the API into the worker: the request's transaction continues the incoming
    /// `sentry-trace`, its queue span's headers travel with the job, and the job's transaction continues from there.
    @Test func aTraceFollowsARequestIntoTheWorker() async throws {
        let sentry = try await ScriptedSentryServer()
        let backend = try ServiceProcess("backend", environment: environment([
            "SENTRY_DSN": sentry.dsn.description, "SENTRY_TRACES_SAMPLE_RATE": "1", "SENTRY_ENVIRONMENT": "trace-test",
        ]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let token = try await signUp(base, email: "trace@example.com", password: "correct horse")
        #expect(try await call(
            .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "trace-1")],
            body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_visa"}"#
        ).status == 201)
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let submitted = try await call(
            .POST, "\(base)/api/v1/generations", token: token, headers: [("sentry-trace", "\(traceID)-\(callerSpan)-1")],
            body: #"{"prompt":"a lighthouse","kind":"image"}"#
        )
        #expect(submitted.status == 202)
        let location = try #require(submitted.headers.first(name: "Location"))
        #expect(try await eventually {
            try await call(.GET, "\(base)\(location)", token: token).json["status"] as? String == "succeeded"
        })
        _ = try await call(.HEAD, "\(base)/api/v1/me", token: token)
        _ = try await call(.GET, "\(base)/health/ready")
        _ = try await call(.GET, "\(base)/metrics")
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
        await sentry.stop()

        let envelopes = sentry.received.map(\.envelope).filter { $0.items.contains { $0.type == "transaction" } }
        var transactions: [String: [String: Any]] = [:]
        for envelope in envelopes {
            let normalized = try await SentryCheck.normalized(envelope)
            transactions[normalized["transaction"] as? String ?? "?"] = normalized
        }
        let names = Set(transactions.keys)
        #expect(names.isSuperset(of: ["POST /api/v1/users", "POST /api/v1/sessions", "POST /api/v1/payments", "POST /api/v1/generations", "GET /api/v1/generations/{id}", "generate image"]), "\(names)")
        #expect(!names.contains { $0.contains("health") || $0.contains("metrics") || $0.hasPrefix("HEAD") }, "\(names)")

        func trace(_ transaction: [String: Any]?) -> [String: Any] { ((transaction?["contexts"] as? [String: Any])?["trace"] as? [String: Any]) ?? [:] }
        func spans(_ transaction: [String: Any]?) -> [[String: Any]] { transaction?["spans"] as? [[String: Any]] ?? [] }
        let request = transactions["POST /api/v1/generations"]
        #expect(trace(request)["trace_id"] as? String == traceID)
        #expect(trace(request)["parent_span_id"] as? String == callerSpan)
        #expect((request?["transaction_info"] as? [String: Any])?["source"] as? String == "route")
        let requestOps = Set(spans(request).compactMap { $0["op"] as? String })
        #expect(requestOps.isSuperset(of: ["db", "queue.publish", "cache.get"]), "\(requestOps)")
        let publish = try #require(spans(request).first { $0["op"] as? String == "queue.publish" })
        // Database spans are described by their statements, placeholders and not values, for Sentry's Queries view.
        let statements = spans(request).filter { $0["op"] as? String == "db" }.compactMap { $0["description"] as? String }
        #expect(statements.contains { $0.contains("INSERT INTO generations (id, user_id, kind, prompt,") && $0.contains("VALUES (?, ?") }, "\(statements)")
        #expect(!statements.contains { $0.contains("COMMIT") || $0.contains("\n") }, "\(statements)")
        #expect(!statements.contains { $0.contains("lighthouse") }, "no values: the prompt is not in them")

        let job = transactions["generate image"]
        #expect(trace(job)["trace_id"] as? String == traceID, "the job continues the request's trace")
        #expect(trace(job)["parent_span_id"] as? String == publish["span_id"] as? String)
        #expect(trace(job)["op"] as? String == "queue.process")
        // Sentry's Queues view pairs a publish with its processing by message id and destination.
        let published = try #require(publish["data"] as? [String: Any])
        let processed = try #require(trace(job)["data"] as? [String: Any])
        #expect(published["messaging.message.id"] as? String == location.split(separator: "/").last.map(String.init))
        #expect(processed["messaging.message.id"] as? String == published["messaging.message.id"] as? String)
        #expect(processed["messaging.destination.name"] as? String == "generation_queue")
        #expect(processed["messaging.message.retry.count"] as? Int == 0)
        let jobOps = Set(spans(job).compactMap { $0["op"] as? String })
        #expect(jobOps.isSuperset(of: ["generator", "db"]), "\(jobOps)")
    }

    /// Sentry accepts connections and never answers: requests are answered as usual while the transport queues.
    @Test func aHangingSentryHoldsNoRequest() async throws {
        let sentry = try await ScriptedSentryServer(script: Array(repeating: .hang, count: 50))
        let backend = try ServiceProcess("backend", environment: environment(["SENTRY_DSN": sentry.dsn.description]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        let token = try await signUp(base, email: "hang@example.com", password: "correct horse")
        for index in 0..<20 {
            let reply = try await call(
                .POST, "\(base)/api/v1/payments", token: token, headers: [("Idempotency-Key", "hang-\(index)")],
                body: #"{"amount_minor":500,"currency":"EUR","card_token":"tok_provider_error"}"#
            )
            #expect(reply.status == 502)
        }
        let exposition = try await call(.GET, "\(base)/metrics").text
        let queued = try #require(try ScrapedMetrics(exposition).value("lookout_sentry_queue_length"))
        #expect(queued >= 19, "the events wait in the transport's queue, not in the requests: \(queued)")
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
        await sentry.stop()
    }
}
