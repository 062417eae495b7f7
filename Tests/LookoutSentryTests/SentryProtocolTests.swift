import Foundation
import Synchronization
import LookoutSentry
import Testing
import TestSupport

@Suite struct DSNTests {
    @Test func parsesTheFullForm() throws {
        let dsn = try DSN("https://abc123:oldsecret@sentry.example.com:9000/prefix/path/42")
        #expect(dsn.publicKey == "abc123")
        #expect(dsn.secretKey == "oldsecret")
        #expect(dsn.host == "sentry.example.com")
        #expect(dsn.port == 9000)
        #expect(dsn.path == "/prefix/path")
        #expect(dsn.projectID == "42")
        #expect(dsn.envelopeURL == "https://sentry.example.com:9000/prefix/path/api/42/envelope/")
        #expect(dsn.authHeader(client: "lookout.swift/0.1.0") == "Sentry sentry_version=7, sentry_client=lookout.swift/0.1.0, sentry_key=abc123, sentry_secret=oldsecret")
        #expect(dsn.description == "https://abc123@sentry.example.com:9000/prefix/path/42", "the secret never appears in envelope headers")
    }

    @Test func parsesTheCommonForm() throws {
        let dsn = try DSN("http://key@127.0.0.1:8000/1")
        #expect(dsn.envelopeURL == "http://127.0.0.1:8000/api/1/envelope/")
        #expect(dsn.secretKey == nil)
    }

    @Test(arguments: [
        ("not a url", "not a URL"),
        ("ftp://key@host/1", "scheme must be http or https"),
        ("https://host/1", "public key"),
        ("https://key@host/", "numeric project id"),
        ("https://key@host/abc", "numeric project id"),
        ("https://key@host/1?x=1", "no query"),
    ])
    func refusesMalformedDSNsWithTheReason(raw: String, reason: String) {
        #expect {
            try DSN(raw)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func theErrorMessageDoesNotLeakTheKey() {
        #expect {
            try DSN("https://verysecretpublickey@host/notanumber")
        } throws: { error in
            !String(describing: error).contains("verysecretpublickey")
        }
    }
}

/// Envelopes checked by Sentry's own code: sentry-sdk's envelope parser and sentry-relay's event normaliser
/// (`scripts/tools/sentry_check.py`, run with the virtualenv that scripts/test.sh prepares).
@Suite struct EnvelopeTests {
    func check(_ envelope: Envelope) async throws -> (report: [String: Any], raw: String) { try await SentryCheck.check(envelope) }

    @Test(.integration("sentry-relay in .venv"))
    func anErrorEventIsAcceptedByRelayAsSent() async throws {
        let dsn = try DSN("http://publickey@127.0.0.1:9000/1")
        var event = SentryEvent(
            level: .error, exceptions: [SentryException(error: CocoaError(.fileNoSuchFile), handled: false, mechanismType: "http")],
            tags: ["route": "/api/v1/payments"], extra: ["attempt": 2, "ratio": 0.5, "flags": [true, false], "none": nil],
            contexts: ["runtime": ["name": "swift", "version": "6.3"], "os": ["name": "Linux"]], user: ["id": "usr_1"],
            request: SentryRequest(method: "POST", url: "http://127.0.0.1/api/v1/payments", headers: ["Accept": "application/json"]),
            breadcrumbs: [Breadcrumb(category: "payment", message: "payment approved", data: ["currency": "EUR"])],
            fingerprint: ["{{ default }}", "payments"]
        )
        event.release = "lookout@0.1.0"
        event.environment = "test"
        event.serverName = "host-1"
        event.transaction = "/api/v1/payments"
        let (report, raw) = try await check(Envelope(event: event, dsn: dsn))
        let items = try #require(report["items"] as? [[String: Any]])
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(item["type"] as? String == "event")
        #expect(item["length_ok"] as? Bool == true)
        #expect((item["errors"] as? [Any])?.isEmpty == true, "Relay reported: \(raw)")
        let normalized = try #require(item["normalized"] as? [String: Any])
        #expect(normalized["event_id"] as? String == event.eventID)
        #expect(normalized["platform"] as? String == "other")
        #expect(normalized["release"] as? String == "lookout@0.1.0")
        #expect(normalized["environment"] as? String == "test")
        #expect(normalized["_meta"] == nil, "nothing was trimmed or dropped: \(raw)")
        let exception = try #require(((normalized["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "CocoaError")
        #expect((exception["mechanism"] as? [String: Any])?["handled"] as? Bool == false)
        let headers = try #require(report["headers"] as? [String: Any])
        #expect(headers["event_id"] as? String == event.eventID)
        #expect(headers["dsn"] as? String == "http://publickey@127.0.0.1:9000/1")
    }

    @Test(.integration("sentry-sdk in .venv"))
    func aClientReportRidesAlongAndParses() async throws {
        var envelope = Envelope(event: SentryEvent(message: "with a report"), dsn: nil)
        envelope.items.append(Envelope.clientReport([.init(reason: .queueOverflow, category: "error"): 3, .init(reason: .rateLimitBackoff, category: "transaction"): 1]))
        let (report, raw) = try await check(envelope)
        let items = try #require(report["items"] as? [[String: Any]])
        #expect(items.map { $0["type"] as? String } == ["event", "client_report"], "\(raw)")
        #expect(items.allSatisfy { $0["length_ok"] as? Bool == true })
        let roundTrip = try Envelope(parsing: envelope.serialized())
        #expect(roundTrip.items.map(\.type) == ["event", "client_report"])
        #expect(roundTrip.items.map(\.payload) == envelope.items.map(\.payload))
    }

    @Test(.integration("sentry-relay in .venv"))
    func aMessageEventUsesLogentry() async throws {
        let event = SentryEvent(level: .warning, message: "queue depth above 100")
        let (report, raw) = try await check(Envelope(event: event, dsn: nil))
        let item = try #require((report["items"] as? [[String: Any]])?.first)
        #expect((item["errors"] as? [Any])?.isEmpty == true, "Relay reported: \(raw)")
        #expect(item["length_ok"] as? Bool == true)
        let normalized = try #require(item["normalized"] as? [String: Any])
        #expect((normalized["logentry"] as? [String: Any])?["formatted"] as? String == "queue depth above 100")
        #expect(normalized["level"] as? String == "warning")
    }
}

@Suite struct SentryOptionsTests {
    @Test func noDSNMeansDisabled() throws {
        let options = try SentryOptions(environment: ["SENTRY_DSN": "  "])
        #expect(!options.isEnabled)
        #expect(options.maxBreadcrumbs == 100)
        #expect(!options.sendDefaultPII)
        #expect(options.tracesSampleRate == nil && !options.tracingEnabled, "unset: tracing off, decisions deferred")
    }

    @Test func theEnvironmentConfiguresTheClient() throws {
        let options = try SentryOptions(environment: [
            "SENTRY_DSN": "https://key@sentry.example.com/7", "SENTRY_RELEASE": "lookout@1.2.3", "SENTRY_ENVIRONMENT": "staging",
            "SENTRY_TRACES_SAMPLE_RATE": "0.25", "SENTRY_SEND_DEFAULT_PII": "true", "SENTRY_SPOOL_DIR": "/var/spool/sentry",
        ])
        #expect(options.isEnabled)
        #expect(options.dsn?.projectID == "7")
        #expect(options.release == "lookout@1.2.3")
        #expect(options.environment == "staging")
        #expect(options.tracesSampleRate == 0.25)
        #expect(options.sendDefaultPII)
        #expect(options.spoolDirectory == "/var/spool/sentry")
    }

    @Test(arguments: [
        ("SENTRY_DSN", "https://sentry.example.com/7", "public key"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2", "from 0 to 1"),
        ("SENTRY_SEND_DEFAULT_PII", "maybe", "true or false"),
        ("SENTRY_MAX_BREADCRUMBS", "-1", "from 0 to 1000"),
    ])
    func badValuesNameTheVariable(variable: String, value: String, reason: String) {
        #expect {
            try SentryOptions(environment: [variable: value])
        } throws: { error in
            let message = String(describing: error)
            return message.contains(variable) && message.contains(reason)
        }
    }
}

@Suite struct ScopeTests {
    @Test func concurrentUnitsOfWorkNeverSeeEachOthersScope() async {
        let results = await withTaskGroup(of: (Int, Scope?).self) { group in
            for request in 0..<50 {
                group.addTask {
                    await ScopeBox.withScope(ScopeBox()) {
                        ScopeBox.current?.update { $0.tags["request"] = "\(request)" }
                        await Task.yield()
                        ScopeBox.current?.update { $0.addBreadcrumb(Breadcrumb(message: "step of \(request)")) }
                        // A child task sees (and records into) the same unit-of-work scope.
                        await Task { ScopeBox.current?.update { $0.user["id"] = "user-\(request)" } }.value
                        return (request, ScopeBox.current?.scope)
                    }
                }
            }
            return await group.reduce(into: [(Int, Scope?)]()) { $0.append($1) }
        }
        #expect(results.count == 50)
        for (request, scope) in results {
            #expect(scope?.tags == ["request": "\(request)"])
            #expect(scope?.breadcrumbs.map(\.message) == ["step of \(request)"])
            #expect(scope?.user == ["id": "user-\(request)"])
        }
        #expect(ScopeBox.current == nil, "nothing leaks outside")
    }

    @Test func breadcrumbsAreCappedOldestFirst() {
        var scope = Scope(maxBreadcrumbs: 3)
        for index in 0..<5 { scope.addBreadcrumb(Breadcrumb(message: "\(index)")) }
        #expect(scope.breadcrumbs.map(\.message) == ["2", "3", "4"])
    }

    @Test func eventValuesWinOverScopeValues() {
        var scope = Scope()
        scope.tags = ["route": "/a", "shared": "scope"]
        scope.user = ["id": "u1"]
        scope.transaction = "/a"
        scope.addBreadcrumb(Breadcrumb(message: "before"))
        let event = scope.apply(to: SentryEvent(tags: ["shared": "event"]))
        #expect(event.tags == ["route": "/a", "shared": "event"])
        #expect(event.user == ["id": "u1"])
        #expect(event.transaction == "/a")
        #expect(event.breadcrumbs.map(\.message) == ["before"])
    }
}

/// Collects envelopes in memory: the HTTP transport is not built yet, and the client's job ends at the sink.
final class CollectingSink: EnvelopeSink {
    private let storage = Mutex<[Envelope]>([])
    var envelopes: [Envelope] { storage.withLock { $0 } }
    func enqueue(_ envelope: Envelope) { storage.withLock { $0.append(envelope) } }
}

struct PaymentFailure: Error, CustomStringConvertible {
    var description: String { "card 4242 4242 4242 4242 of ada@example.com was refused" }
}

@Suite struct SentryClientTests {
    static let dsn = try! DSN("http://key@127.0.0.1:9000/1")

    @Test func disabledMeansNoWorkAndNothingSent() {
        let sink = CollectingSink()
        let client = SentryClient(options: SentryOptions(), sink: sink)
        #expect(client.capture(error: PaymentFailure()) == nil)
        #expect(sink.envelopes.isEmpty)
    }

    @Test(.integration("sentry-relay in .venv"))
    func aCapturedErrorCarriesScopeOptionsAndContextsAndNoSecrets() async throws {
        var options = SentryOptions(dsn: Self.dsn)
        options.release = "lookout@0.1.0"
        options.environment = "test"
        let sink = CollectingSink()
        let client = SentryClient(options: options, sink: sink)
        let id = await ScopeBox.withScope(ScopeBox()) {
            ScopeBox.current?.update { scope in
                scope.tags["route"] = "/api/v1/payments"
                scope.user = ["id": "usr_1", "email": "ada@example.com"]
            }
            client.addBreadcrumb(Breadcrumb(category: "payment", message: "payment declined", data: ["password": "hunter22"]))
            return client.capture(error: PaymentFailure(), handled: false)
        }
        let eventID = try #require(id)
        let envelope = try #require(sink.envelopes.first)
        #expect(envelope.eventID == eventID)
        let text = String(decoding: envelope.serialized(), as: UTF8.self)
        for secret in ["4242 4242", "ada@example.com", "hunter22"] { #expect(!text.contains(secret), "\(secret) leaked") }
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(envelope.items[0].payload)) as? [String: Any])
        #expect(payload["release"] as? String == "lookout@0.1.0")
        #expect(payload["environment"] as? String == "test")
        #expect((payload["tags"] as? [String: String])?["route"] == "/api/v1/payments")
        #expect(payload["user"] as? [String: String] == ["id": "usr_1"])
        #expect(((payload["contexts"] as? [String: Any])?["runtime"] as? [String: Any])?["name"] as? String == "swift")
        #expect(((payload["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]])?.count == 1)
        let (report, raw) = try await EnvelopeTests().check(envelope)
        let item = try #require((report["items"] as? [[String: Any]])?.first)
        #expect((item["errors"] as? [Any])?.isEmpty == true, "Relay reported: \(raw)")
    }

    @Test func samplingAndBeforeSendDropAndCountWhatTheyDrop() {
        var options = SentryOptions(dsn: Self.dsn)
        options.sampleRate = 0.5
        options.beforeSend = { event in event.message == "drop me" ? nil : event }
        let sink = CollectingSink()
        let rolls = Mutex<[Double]>([0.9, 0.1, 0.1])
        let client = SentryClient(options: options, sink: sink, random: { rolls.withLock { $0.removeFirst() } })
        #expect(client.capture(message: "sampled out") == nil)
        #expect(client.capture(message: "drop me") == nil)
        #expect(client.capture(message: "kept") != nil)
        #expect(sink.envelopes.count == 1)
        #expect(client.discards.snapshot == [.init(reason: .sampleRate, category: "error"): 1, .init(reason: .beforeSend, category: "error"): 1])
    }
}
