import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Instrumentation
import Logging
import LookoutSentry
import ServiceLifecycle
import Testing
import TestSupport
import Tracing

/// Outgoing requests made with AsyncHTTPClient inside a transaction carry the trace, and show up as `http.client` spans.
@Suite struct OutgoingPropagationTests {
    /// Calls `/echo` on `port` with an AsyncHTTPClient traced by `client`, inside a transaction it starts: what the
    /// server echoed, and the transaction's root (still open).
    static func callEcho(port: Int, insideATransactionOf client: SentryClient) async throws -> (echoed: String, root: SentrySpan) {
        var configuration = HTTPClient.Configuration()
        configuration.tracing.tracer = SentryTracer(client: client)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let root = try #require(client.startTransaction(name: "GET /orders", op: "http.server", source: .route))
        let echoed = try await InstrumentationContext.$current.withValue(root.context) {
            let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/echo"), timeout: .seconds(30))
            return String(buffer: try await response.body.collect(upTo: 1 << 16))
        }
        try await http.shutdown()
        return (echoed, root)
    }

    @Test(.integration("sentry-relay in .venv"))
    func asyncHTTPClientCarriesTheTraceAndRecordsASpan() async throws {
        let router = Router()
        router.get("/echo") { request, _ -> String in
            let names = ["sentry-trace", "baggage", "traceparent"]
            let pairs = names.compactMap { name in request.headers[HTTPField.Name(name)!].map { "\(name)=\($0)" } }
            return pairs.joined(separator: "\n")
        }
        let (server, port) = await LocalHTTPServer.start(router)
        defer { server.cancel() }

        let sink = CollectingSink()
        var options = SentryOptions(dsn: try DSN("http://publickey@127.0.0.1:9/1"))
        options.tracesSampleRate = 1
        options.propagateTraceparent = true
        options.release = "api@2.0"
        let client = SentryClient(options: options, sink: sink)
        let (echoed, root) = try await Self.callEcho(port: port, insideATransactionOf: client)
        root.finish()

        let headers = Dictionary(uniqueKeysWithValues: echoed.split(separator: "\n").map {
            let parts = $0.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        })
        let sentryTrace = try #require(headers["sentry-trace"], "\(echoed)")
        #expect(sentryTrace.hasPrefix("\(root.traceID)-") && sentryTrace.hasSuffix("-1"))
        #expect(headers["traceparent"]?.hasPrefix("00-\(root.traceID)-") == true)
        #expect(headers["baggage"]?.contains("sentry-trace_id=\(root.traceID)") == true)
        #expect(headers["baggage"]?.contains("sentry-release=api%402.0") == true)

        let transaction = try #require(sink.envelopes.first)
        let normalized = try await SentryCheck.normalized(transaction)
        let spans = try #require(normalized["spans"] as? [[String: Any]])
        let outgoing = try #require(spans.first { $0["op"] as? String == "http.client" }, "\(spans)")
        #expect(sentryTrace.contains("-\(outgoing["span_id"] as? String ?? "?")-"), "the callee's parent is the client span")
        #expect(outgoing["description"] as? String == "GET http://127.0.0.1:\(port)/echo", "what Sentry's Requests view reads")
    }

    /// `tracePropagationTargets`: a host not on the list learns nothing of the trace (its id, the release, the route).
    @Test func onlyThePropagationTargetsGetTheTrace() async throws {
        let router = Router()
        router.get("/echo") { request, _ -> String in
            ["sentry-trace", "baggage"].compactMap { request.headers[HTTPField.Name($0)!] }.joined(separator: "\n")
        }
        let (server, port) = await LocalHTTPServer.start(router)
        defer { server.cancel() }

        func headersSent(targets: [String]?) async throws -> String {
            var options = SentryOptions(dsn: try DSN("http://publickey@127.0.0.1:9/1"))
            options.tracesSampleRate = 1
            options.tracePropagationTargets = targets
            return try await Self.callEcho(port: port, insideATransactionOf: SentryClient(options: options, sink: CollectingSink())).echoed
        }
        #expect(try await headersSent(targets: nil).contains("sentry-trace_id="), "no list: every host")
        #expect(try await headersSent(targets: ["127.0.0.1"]).contains("sentry-trace_id="))
        #expect(try await headersSent(targets: ["api.example.com"]).isEmpty, "another host: nothing")
    }

    @Test func targetsMatchHostsAndTheirSubdomains() {
        var options = SentryOptions()
        options.tracePropagationTargets = ["example.com", "10.0.0.7"]
        #expect(options.propagatesTrace(toHost: "example.com"))
        #expect(options.propagatesTrace(toHost: "API.example.com:8443"))
        #expect(options.propagatesTrace(toHost: "10.0.0.7:8080"))
        #expect(!options.propagatesTrace(toHost: "badexample.com"))
        #expect(!options.propagatesTrace(toHost: "example.com.attacker.net"))
        #expect(!options.propagatesTrace(toHost: "[::1]:8080"))
        options.tracePropagationTargets = ["*"]
        #expect(options.propagatesTrace(toHost: "anything.net"))
    }
}
