import Foundation
import Testing

@testable import LookoutSentry

/// The global, isolation (request or job) and temporary scopes, event processors and ignored error types, as the
/// events a ``SentryClient`` hands to its sink show them.
@Suite struct ScopeLayersTests {
    static let dsn = try! DSN("http://key@127.0.0.1:9000/1")

    struct PaymentDeclined: Error {}
    struct Throttled: Error {}

    func client(_ configure: (inout SentryOptions) -> Void = { _ in }) -> (SentryClient, CollectingSink) {
        var options = SentryOptions(dsn: Self.dsn)
        options.attachStacktrace = false
        configure(&options)
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink), sink)
    }

    /// The event as it would be sent (scrubbed, serialised).
    func lastEvent(_ sink: CollectingSink) throws -> [String: Any] {
        let envelope = try #require(sink.envelopes.last)
        return try #require(try JSONSerialization.jsonObject(with: Data(envelope.items[0].payload)) as? [String: Any])
    }

    func breadcrumbs(_ event: [String: Any]) -> [String] {
        ((event["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
    }

    @Test func globalValuesReachEveryEventAndTheUnitOfWorkWins() async throws {
        let (client, sink) = client()
        client.globalScope.update { scope in
            scope.tags = ["replica": "api-2", "route": "none"]
            scope.contexts["deployment"] = ["region": "eu-1"]
        }
        client.capture(message: "outside any request")
        #expect(try lastEvent(sink)["tags"] as? [String: String] == ["replica": "api-2", "route": "none"])

        await ScopeBox.withScope(ScopeBox()) {
            ScopeBox.current?.update { $0.tags["route"] = "/api/v1/payments" }
            client.capture(error: PaymentDeclined())
        }
        let event = try lastEvent(sink)
        #expect(event["tags"] as? [String: String] == ["replica": "api-2", "route": "/api/v1/payments"])
        #expect(((event["contexts"] as? [String: Any])?["deployment"] as? [String: String]) == ["region": "eu-1"])
    }

    /// Before: a breadcrumb recorded outside a request or job was dropped, so start-up and background work left no
    /// trail. Now it lands in the global scope; a request's own breadcrumbs stay in the request.
    @Test func breadcrumbsOutsideAUnitOfWorkGoToTheGlobalScope() async throws {
        let (client, sink) = client()
        client.addBreadcrumb(Breadcrumb(timestamp: Date(timeIntervalSince1970: 1), message: "migrations applied"))
        await ScopeBox.withScope(ScopeBox()) {
            client.addBreadcrumb(Breadcrumb(timestamp: Date(timeIntervalSince1970: 3), message: "payment declined"))
            client.capture(error: PaymentDeclined())
        }
        client.addBreadcrumb(Breadcrumb(timestamp: Date(timeIntervalSince1970: 2), message: "reconciler ran"))
        let inRequest = try #require(sink.envelopes.first)
        let requestEvent = try #require(try JSONSerialization.jsonObject(with: Data(inRequest.items[0].payload)) as? [String: Any])
        #expect(breadcrumbs(requestEvent) == ["migrations applied", "payment declined"])

        client.capture(message: "background failure")
        #expect(breadcrumbs(try lastEvent(sink)) == ["migrations applied", "reconciler ran"], "the request's breadcrumb stayed in the request")
    }

    @Test func aNewScopeAddsToAPartOfTheWorkAndLeavesNothingBehind() async throws {
        let (client, sink) = client()
        await ScopeBox.withScope(ScopeBox()) {
            ScopeBox.current?.update { $0.tags["route"] = "/api/v1/imports" }
            await ScopeBox.withNewScope({ $0.tags["import.batch"] = "b-7" }) {
                client.addBreadcrumb(Breadcrumb(message: "row 3 rejected"))
                client.capture(error: PaymentDeclined())
            }
            client.capture(message: "after the batch")
        }
        let inside = try #require(try JSONSerialization.jsonObject(with: Data(sink.envelopes[0].items[0].payload)) as? [String: Any])
        #expect(inside["tags"] as? [String: String] == ["route": "/api/v1/imports", "import.batch": "b-7"])
        #expect(breadcrumbs(inside) == ["row 3 rejected"])
        let after = try lastEvent(sink)
        #expect(after["tags"] as? [String: String] == ["route": "/api/v1/imports"], "the temporary tag is gone")
        #expect(breadcrumbs(after).isEmpty, "so is its breadcrumb")
    }

    @Test func aNewScopeSeesWhatTheEnclosingScopeRecordsLater() async {
        let request = ScopeBox()
        let seen = await ScopeBox.withScope(request) {
            await ScopeBox.withNewScope({ $0.tags["part"] = "1" }) {
                request.update { $0.user["id"] = "usr_9" }
                return ScopeBox.current?.scope
            }
        }
        #expect(seen?.user == ["id": "usr_9"])
        #expect(seen?.tags == ["part": "1"])
        #expect(request.scope.tags.isEmpty, "the enclosing scope is never written")
    }

    @Test func eventProcessorsChangeOrDropInTheOrderAdded() throws {
        let (client, sink) = client()
        client.addEventProcessor { event in
            var event = event
            event.tags["tenant"] = "t-1"
            return event
        }
        client.addEventProcessor { event in event.tags["tenant"] == "t-1" && event.message == "noise" ? nil : event }
        #expect(client.capture(message: "noise") == nil)
        #expect(client.capture(message: "signal") != nil)
        #expect(sink.envelopes.count == 1)
        #expect((try lastEvent(sink)["tags"] as? [String: String])?["tenant"] == "t-1")
        #expect(client.discards.snapshot == [.init(reason: .eventProcessor, category: "error"): 1])
    }

    @Test func ignoredErrorTypesAreDroppedByNameOrModuleQualifiedName() throws {
        let (client, sink) = client { $0.ignoreErrors = ["CancellationError", "LookoutSentryTests.ScopeLayersTests.PaymentDeclined", "Throttled"] }
        #expect(client.capture(error: CancellationError()) == nil)
        #expect(client.capture(error: PaymentDeclined()) == nil, "module-qualified")
        #expect(client.capture(error: Throttled()) == nil, "a nested type by its own name")
        #expect(client.capture(error: CocoaError(.fileNoSuchFile)) != nil)
        #expect(sink.envelopes.count == 1)
        #expect(client.discards.snapshot == [.init(reason: .eventProcessor, category: "error"): 3])
    }

    @Test func ignoredErrorsComeFromTheEnvironment() throws {
        let options = try SentryOptions(environment: ["SENTRY_DSN": "http://key@127.0.0.1:9000/1", "SENTRY_IGNORE_ERRORS": " CancellationError , Foo.Bar "])
        #expect(options.ignoreErrors == ["CancellationError", "Foo.Bar"])
    }

    @Test func transactionsCarryTheGlobalScopeToo() throws {
        let (client, sink) = client()
        client.globalScope.update { $0.tags["replica"] = "api-2" }
        let root = SpanRecord(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil, op: "http.server",
            description: nil, start: Date(), end: Date(), status: .ok, data: [:]
        )
        var request = Scope()
        request.tags["route"] = "/health/detailed"
        client.capture(transaction: SentryTransaction(name: "GET /health/detailed", source: .route, root: root, spans: []), scope: request)
        #expect(try lastEvent(sink)["tags"] as? [String: String] == ["replica": "api-2", "route": "/health/detailed"])
    }
}
