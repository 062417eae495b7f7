import Foundation
import Logging
import LookoutMetrics
import LookoutProber
import Testing
import TestSupport

/// The prober against real local servers that are up, down, slow, wrong, or present a certificate about to expire.
@Suite struct ProbeRunnerTests {
    let client = HTTPProbeClient()

    func runner(_ server: TargetServer) -> ProbeRunner {
        ProbeRunner(client: client, baseURL: URL(string: server.base)!, variables: ["password": "secret"])
    }

    @Test func aHealthyEndpointPassesWithItsPhasesTimed() async throws {
        let server = TargetServer()
        try await server.start()
        defer { Task { await server.stop() } }
        let check = ProbeCheck.get(
            "ok", url: "/ok",
            expect: .init(statuses: [200], body: [.contains("\"ok\""), .matches(#""status"\s*:\s*"ok""#), .jsonPath("$.checks.database.status", equals: "up")])
        )
        let outcome = await runner(server).run(check)
        #expect(outcome.success, "\(outcome.detail)")
        #expect(outcome.statusCode == 200)
        #expect(outcome.phases.keys.sorted { $0.rawValue < $1.rawValue } == [.connect, .processing, .resolve, .transfer])
        #expect(outcome.duration > 0 && outcome.duration < 5)
        #expect(outcome.certificateExpiry == nil)
        await server.stop()
    }

    /// The service tells the prober's requests from users' by a secret header: sent to the base URL's origin, and to
    /// no other host a check may point at.
    @Test func theProbeSecretGoesToTheServiceOnly() async throws {
        let service = TargetServer()
        let elsewhere = TargetServer()
        try await service.start()
        try await elsewhere.start()
        let runner = ProbeRunner(client: client, baseURL: URL(string: service.base)!, probeSecret: "probe-secret-0123456789")
        let own = await runner.run(.get("own", url: "/probe-mark", expect: .init(body: [.jsonPath("$.mark", equals: "probe-secret-0123456789")])))
        #expect(own.success, "\(own.detail)")
        let other = await runner.run(.get("other", url: "\(elsewhere.base)/probe-mark", expect: .init(body: [.jsonPath("$.mark", equals: "")])))
        #expect(other.success, "\(other.detail)")
        let unset = await self.runner(service).run(.get("unset", url: "/probe-mark", expect: .init(body: [.jsonPath("$.mark", equals: "")])))
        #expect(unset.success, "\(unset.detail)")
        await service.stop()
        await elsewhere.stop()
    }

    @Test func aWrongStatusOrBodyFailsAndSaysWhatWasWrong() async throws {
        let server = TargetServer()
        try await server.start()
        let status = await runner(server).run(.get("fail", url: "/fail"))
        #expect(status.failure == .status)
        #expect(status.statusCode == 503)
        #expect(status.detail.contains("expected status 2xx, got 503"), "\(status.detail)")

        let body = await runner(server).run(.get("degraded", url: "/degraded", expect: .init(body: [.jsonPath("$.status", equals: "ok")])))
        #expect(body.failure == .body)
        #expect(body.detail.contains(#"$.status is "degraded", expected "ok""#), "\(body.detail)")

        let missing = await runner(server).run(.get("degraded", url: "/degraded", expect: .init(body: [.contains("healthy")])))
        #expect(missing.failure == .body)
        #expect(missing.detail.contains("does not contain \"healthy\""))
        await server.stop()
    }

    @Test func aSlowAnswerFailsOnLatencyAndAHangingOneOnTimeout() async throws {
        let server = TargetServer()
        try await server.start()
        let slow = await runner(server).run(.get("slow", url: "/slow?ms=300", expect: .init(maxLatency: .milliseconds(100))))
        #expect(slow.failure == .latency, "\(slow.detail)")
        #expect(slow.statusCode == 200)
        #expect(slow.detail.contains("more than the allowed 100 ms"), "\(slow.detail)")

        let hanging = await runner(server).run(.get("hang", url: "/slow?ms=3000", timeout: .milliseconds(200)))
        #expect(hanging.failure == .timeout, "\(hanging.detail)")
        #expect(hanging.duration < 2, "the timeout cut the run short")
        await server.stop()
    }

    @Test func aServerThatIsDownIsAConnectFailureAndConfirmedAfterTheThreshold() async throws {
        let server = TargetServer()  // not started: nothing listens on its port
        let check = ProbeCheck(name: "api", steps: [ProbeStep(url: "/ok")], interval: .seconds(1), failuresToConfirm: 3)
        let board = ProbeStatusBoard(checks: [check])
        var transitions: [ProbeTransition] = []
        for _ in 0..<3 {
            let outcome = await runner(server).run(check)
            #expect(outcome.failure == .connect, "\(outcome.detail)")
            if let transition = board.record(outcome, of: check).transition { transitions.append(transition) }
        }
        guard case .down(let incident)? = transitions.first else {
            Issue.record("three failures in a row should confirm the outage, got \(transitions)")
            return
        }
        #expect(transitions.count == 1)
        #expect(incident.reason == .connect)
        #expect(board.statuses().first?.isDown == true)

        try await server.start()
        let back = await runner(server).run(check)
        #expect(back.success, "\(back.detail)")
        guard case .recovered(let closed)? = board.record(back, of: check).transition else {
            Issue.record("the first success should end the incident")
            return
        }
        #expect(closed.endedAt == back.startedAt)
        #expect(closed.startedAt == incident.startedAt)
        #expect(board.incidents() == [closed])
        await server.stop()
    }

    @Test func stepsCarryACapturedTokenIntoTheNextRequest() async throws {
        let server = TargetServer()
        try await server.start()
        let check = ProbeCheck(
            name: "round_trip",
            steps: [
                ProbeStep(url: "/login", method: "POST", body: #"{"password":"{{password}}"}"#, capture: ["token": "$.token"]),
                ProbeStep(url: "/me", headers: [("Authorization", "Bearer {{token}}")], expect: .init(body: [.jsonPath("$.email", equals: "probe@example.com")])),
            ]
        )
        let outcome = await runner(server).run(check)
        #expect(outcome.success, "\(outcome.detail)")

        var wrong = check
        wrong.steps[1].headers = [("Authorization", "Bearer nope")]
        let refused = await runner(server).run(wrong)
        #expect(refused.failure == .status)
        #expect(refused.detail.hasPrefix("step 2: GET"), "\(refused.detail)")
        await server.stop()
    }

    @Test(.integration("openssl, to make a certificate"))
    func aCertificateAboutToExpireFailsTheCheckAndItsExpiryIsReported() async throws {
        let soon = try await SelfSignedCertificate(days: 3)
        let server = TargetServer()
        try await server.start(certificate: soon)
        let base = URL(string: "https://127.0.0.1:\(server.port)")!
        let runner = ProbeRunner(client: client, baseURL: base)
        var check = ProbeCheck.get("tls", url: "/ok")
        check.tls = TLSSettings(expiryThreshold: .seconds(14 * 86_400), caFile: soon.certificatePath)
        let outcome = await runner.run(check)
        #expect(outcome.failure == .certificateExpiry, "\(outcome.detail)")
        #expect(outcome.statusCode == 200)
        #expect(outcome.phases[.tls] != nil)
        let expiry = try #require(outcome.certificateExpiry)
        #expect(abs(expiry.timeIntervalSinceNow - 3 * 86_400) < 2 * 86_400 / 24, "openssl's -days 3 is three days from now")
        #expect(outcome.detail.contains("expires in 3.0 days") || outcome.detail.contains("expires in 2.9 days"), "\(outcome.detail)")

        check.tls.expiryThreshold = .seconds(86_400)
        #expect(await runner.run(check).success, "three days left is fine against a one-day threshold")
        await server.stop()
    }

    @Test(.integration("openssl, to make a certificate"))
    func anUntrustedCertificateIsATLSFailure() async throws {
        let certificate = try await SelfSignedCertificate(days: 30)
        let server = TargetServer()
        try await server.start(certificate: certificate)
        let runner = ProbeRunner(client: client, baseURL: URL(string: "https://127.0.0.1:\(server.port)")!)
        let untrusted = await runner.run(.get("tls", url: "/ok"))
        #expect(untrusted.failure == .tls, "\(untrusted.detail)")

        var insecure = ProbeCheck.get("tls", url: "/ok")
        insecure.tls.insecureSkipVerify = true
        insecure.tls.expiryThreshold = .seconds(86_400)
        let accepted = await runner.run(insecure)
        #expect(accepted.success, "\(accepted.detail)")
        #expect(accepted.certificateExpiry != nil, "the expiry is read even without verification")
        await server.stop()
    }

    @Test func probeMetricsUseBlackboxNamesAndCountFailuresByReason() async throws {
        let server = TargetServer()
        try await server.start()
        let registry = MetricsRegistry()
        let ok = ProbeCheck.get("ok", url: "/ok")
        let failing = ProbeCheck(name: "failing", steps: [ProbeStep(url: "/fail")], failuresToConfirm: 2)
        let service = ProberService(
            checks: [ok, failing], baseURL: { nil }, observers: [ProbeMetrics(registry: registry, checks: [ok, failing])],
            logger: ScriptedSentryServer.quietLogger
        )
        let runner = runner(server)
        await service.runOnce(ok, runner: runner)
        await service.runOnce(failing, runner: runner)
        await service.runOnce(failing, runner: runner)
        let scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(scraped.value("probe_success", ["check": "ok"]) == 1)
        #expect(scraped.value("probe_success", ["check": "failing"]) == 0)
        #expect(scraped.value("probe_http_status_code", ["check": "failing"]) == 503)
        #expect((scraped.value("probe_duration_seconds", ["check": "ok"]) ?? 0) > 0)
        #expect(scraped.value("probe_http_duration_seconds", ["check": "ok", "phase": "connect"]) != nil)
        #expect(scraped.value("lookout_probe_runs_total", ["check": "failing"]) == 2)
        #expect(scraped.value("lookout_probe_failures_total", ["check": "failing", "reason": "status"]) == 2)
        #expect(scraped.value("lookout_probe_up", ["check": "failing"]) == 0, "two failures confirm it down")
        #expect(scraped.value("lookout_probe_up", ["check": "ok"]) == 1)
        // The 1 s edge exists (its count depends on how loaded the machine is: a run may take longer); the run is counted.
        #expect(scraped.value("lookout_probe_duration_seconds_bucket", ["check": "ok", "le": "1.0"]) != nil, "the histogram has a 1 s edge")
        #expect(scraped.value("lookout_probe_duration_seconds_bucket", ["check": "ok", "le": "+Inf"]) == 1)
        await server.stop()
    }
}
