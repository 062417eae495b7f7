import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutSentry
import LookoutSentryHummingbird
import NIOCore
import Synchronization
import Testing

/// Collects envelopes in memory: these tests look at what the middleware hands to the client.
final class Collected: EnvelopeSink {
    private let storage = Mutex<[Envelope]>([])
    func enqueue(_ envelope: Envelope) { storage.withLock { $0.append(envelope) } }

    func payloads(_ type: String) -> [[String: Any]] {
        storage.withLock { $0 }.flatMap(\.items).filter { $0.type == type }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.payload)) as? [String: Any]
        }
    }
}

struct Unexpected: Error, CustomStringConvertible {
    var description: String { "the ledger is inconsistent" }
}

/// Turns errors into 500s and logs them, as an application's error middleware would.
struct ErrorsToResponses<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return Response(status: error.status)
        } catch {
            logger.error("unhandled error", metadata: ["error": "\(error)"])
            return Response(status: .internalServerError)
        }
    }
}

@Suite struct SentryMiddlewareTests {
    static func app(rate: Double = 1, release: String? = nil) -> (some ApplicationProtocol, Collected, SentryClient) {
        var options = SentryOptions(dsn: try! DSN("http://key@127.0.0.1:9/1"))
        options.tracesSampleRate = rate
        options.release = release
        let sink = Collected()
        let client = SentryClient(options: options, sink: sink)
        let logger = Logger(label: "app") { SentryLogHandler(label: $0, client: client) }
        let router = Router()
        router.add(middleware: SentryMiddleware(client: client))
        router.add(middleware: ErrorsToResponses(logger: logger))
        router.add(middleware: SentryErrorMiddleware(client: client))
        router.get("/orders/:id") { _, _ -> String in
            logger.info("looked up the order", metadata: ["order": "o-1"])
            throw Unexpected()
        }
        router.get("/busy") { _, _ -> Response in Response(status: .serviceUnavailable) }
        router.get("/missing") { _, _ -> String in throw HTTPError(.notFound) }
        router.get("/health") { _, _ in "ok" }
        router.get("/echo/:n") { _, context -> String in
            let n = context.parameters.get("n") ?? "?"
            logger.info("echo \(n)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...20)))
            if n.hasSuffix("7") { throw Unexpected() }
            return n
        }
        return (Application(router: router), sink, client)
    }

    @Test func aThrownErrorIsOneEventWithItsTypeRequestAndBreadcrumbs() async throws {
        let (app, sink, _) = Self.app()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/orders/42?token=abc", method: .get, headers: [.authorization: "Bearer secret-token"])
            #expect(response.status == .internalServerError)
        }
        let events = sink.payloads("event")
        #expect(events.count == 1, "not again for the 500 answer, nor for the log line about it")
        let event = try #require(events.first)
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "Unexpected")
        #expect((exception["mechanism"] as? [String: Any])?["handled"] as? Bool == false)
        #expect(event["transaction"] as? String == "GET /orders/{id}")
        #expect((event["tags"] as? [String: String])?["route"] == "/orders/{id}")
        let request = try #require(event["request"] as? [String: Any])
        #expect((request["url"] as? String)?.hasSuffix("/orders/42") == true)
        #expect((request["headers"] as? [String: String])?["authorization"] == Scrubber.filtered)
        let crumbs = ((event["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
        #expect(crumbs.map { $0["message"] as? String } == ["looked up the order"], "the log lines of this request before the error")
        let transaction = try #require(sink.payloads("transaction").first)
        #expect((transaction["contexts"] as? [String: Any]).flatMap { ($0["trace"] as? [String: Any])?["status"] as? String } == "internal_error")
    }

    @Test func fiveHundredsWithoutAnErrorAreCapturedAndFourHundredsAreNot() async throws {
        let (app, sink, _) = Self.app()
        try await app.test(.router) { client async throws in
            #expect(try await client.execute(uri: "/busy", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/missing", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/nowhere/at/all", method: .get).status == .notFound)
        }
        let messages = sink.payloads("event").compactMap { ($0["logentry"] as? [String: Any])?["formatted"] as? String }
        #expect(messages == ["HTTP 503 on GET /busy"])
        let names = Set(sink.payloads("transaction").compactMap { $0["transaction"] as? String })
        #expect(names == ["GET /busy", "GET /missing", "GET <unmatched>"], "bounded names: no raw path")
    }

    /// Release health: each request a session, errored when its status is a captured one (a thrown error that became
    /// a 500, a 503), healthy otherwise (a 404 is the client's); probes are not sessions.
    @Test func everyRequestIsASessionCountedByHowItEnded() async throws {
        let (app, sink, client) = Self.app(rate: 0, release: "lookout@1.2.3")
        try await app.test(.router) { http in
            for uri in ["/orders/1", "/busy", "/missing", "/echo/1", "/echo/2", "/health"] {
                _ = try await http.execute(uri: uri, method: .get)
            }
        }
        client.flushSessions()
        let sessions = try #require(sink.payloads("sessions").first)
        #expect(sessions["attrs"] as? [String: String] == ["release": "lookout@1.2.3", "environment": "production"])
        let aggregates = try #require(sessions["aggregates"] as? [[String: Any]])
        let errored = aggregates.reduce(0) { $0 + ($1["errored"] as? Int ?? 0) }
        let exited = aggregates.reduce(0) { $0 + ($1["exited"] as? Int ?? 0) }
        #expect(errored == 2 && exited == 3, "\(aggregates)")
    }

    @Test func headOptionsAndProbesAreLeftAlone() async throws {
        let (app, sink, _) = Self.app()
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/health", method: .get)
            _ = try await client.execute(uri: "/orders/1", method: .head)
            _ = try await client.execute(uri: "/orders/1", method: .options)
        }
        #expect(sink.payloads("transaction").isEmpty && sink.payloads("event").isEmpty)
    }

    @Test func theCallersTraceIsContinued() async throws {
        let (app, sink, _) = Self.app()
        try await app.test(.router) { client in
            _ = try await client.execute(
                uri: "/busy", method: .get, headers: [HTTPField.Name("traceparent")!: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]
            )
        }
        let trace = try #require((sink.payloads("transaction").first?["contexts"] as? [String: Any])?["trace"] as? [String: Any])
        #expect(trace["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(trace["parent_span_id"] as? String == "b7ad6b7169203331")
        let event = try #require(sink.payloads("event").first)
        #expect(((event["contexts"] as? [String: Any])?["trace"] as? [String: Any])?["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c")
    }

    /// Concurrent requests: each event carries its own request's breadcrumbs and nothing of the others.
    @Test func concurrentRequestsNeverShareAScope() async throws {
        let (app, sink, _) = Self.app(rate: 0)
        try await app.test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<40 { group.addTask { _ = try await client.execute(uri: "/echo/\(n)", method: .get) } }
                try await group.waitForAll()
            }
        }
        let events = sink.payloads("event")
        #expect(events.count == 4, "17, 27, 37 and 7 fail")
        for event in events {
            let url = ((event["request"] as? [String: Any])?["url"] as? String) ?? ""
            let n = String(url.split(separator: "/").last ?? "")
            let crumbs = ((event["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
            #expect(crumbs.compactMap { $0["message"] as? String }.filter { $0.hasPrefix("echo") } == ["echo \(n)"])
        }
        #expect(sink.payloads("transaction").isEmpty, "tracing off: no transactions")
    }
}
