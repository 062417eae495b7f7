import Foundation
import HTTPTypes
import GenerationCore
@testable import GenerationHTTP
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutHummingbird
import Synchronization
import Testing

/// Bad input gets a 4xx problem document with a reason, never a 500.
@Suite struct ErrorHandlingTests {
    /// The core decides which errors record a stack (only reported ones: 5xx); the HTTP adapter decides the status.
    /// They must agree, or a 5xx reaches Sentry without its frames.
    @Test(arguments: ServiceError.Code.allCases)
    func serverFaultsAreExactlyTheCodesAnsweredWith5xx(code: ServiceError.Code) {
        #expect(code.isServerFault == (ProblemDetails.statusAndTitle(for: code).0.code >= 500))
    }

    @Test(arguments: [
        (#"{"email": "a@example.com", "password": }"#, "not valid JSON"),
        (#"[1, 2, 3]"#, "must be a JSON object"),
        (#""just a string""#, "must be a JSON object"),
        (#"{"email": 42, "password": "long enough"}"#, "field `email` must be a string"),
        (#"{"email": null, "password": "long enough"}"#, "field `email` must be a string, not null"),
        (#"{"password": "long enough"}"#, "missing field `email`"),
    ])
    func malformedBodiesAreBadRequests(body: String, reason: String) async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.post, "/api/v1/users", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.headers[.contentType] == "application/problem+json")
            #expect(reply["type"] as? String == "/docs#problem-malformed-request")
            #expect((reply["detail"] as? String)?.contains(reason) == true, "\(reply.text)")
        }
    }

    @Test func anEmptyBodyIsABadRequest() async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.post, "/api/v1/users", json: "")
            #expect(reply.status == .badRequest)
            #expect((reply["detail"] as? String)?.contains("needs a JSON body") == true)
        }
    }

    @Test func wrongTypesInPaymentsAreBadRequests() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(
                .post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "x"],
                json: #"{"amount_minor":"12","currency":"EUR","card_token":"tok_visa"}"#
            )
            #expect(reply.status == .badRequest)
            #expect((reply["detail"] as? String)?.contains("amount_minor") == true)
        }
    }

    @Test func bodiesOverTheLimitArePayloadTooLarge() async throws {
        try await TestHarness(maxBodyBytes: 2048).withClient { client in
            let big = #"{"email":"a@example.com","password":"\#(String(repeating: "x", count: 4096))"}"#
            let reply = try await client.send(.post, "/api/v1/users", json: big)
            #expect(reply.status == .contentTooLarge)
            #expect(reply["limit_bytes"] as? Int == 2048)
            #expect(reply["type"] as? String == "/docs#problem-payload-too-large")
        }
    }

    @Test func nonJSONBodiesAreUnsupportedMediaType() async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.post, "/api/v1/users", json: "email=a", contentType: "application/x-www-form-urlencoded")
            #expect(reply.status == .unsupportedMediaType)
        }
    }

    @Test func unknownRoutesAreNotFoundProblems() async throws {
        try await TestHarness().withClient { client in
            for path in ["/nope", "/api/v2/users", "/api/v1/generations/abc/extra"] {
                let reply = try await client.send(.get, path)
                #expect(reply.status == .notFound)
                #expect(reply["type"] as? String == "/docs#problem-route-not-found")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func knownPathsWithTheWrongMethodAreMethodNotAllowed() async throws {
        try await TestHarness().withClient { client in
            let delete = try await client.send(.delete, "/api/v1/users")
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow] == "POST")
            let put = try await client.send(.put, "/api/v1/generations")
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "POST, GET")
            let patch = try await client.send(.patch, "/api/v1/payments/pay_123")
            #expect(patch.status == .methodNotAllowed)
            #expect(patch.headers[.allow] == "GET")
        }
    }

    @Test func everyResponseCarriesARequestIDAndHonoursAWellFormedOne() async throws {
        try await TestHarness().withClient { client in
            let own = try await client.send(.get, "/health", headers: [.init("X-Request-ID")!: "trace-abc_123"])
            #expect(own.headers[.init("X-Request-ID")!] == "trace-abc_123")
            let hostile = try await client.send(.get, "/nope", headers: [.init("X-Request-ID")!: "bad id\twith tabs"])
            let generated = try #require(hostile.headers[.init("X-Request-ID")!])
            #expect(generated != "bad id\twith tabs")
            #expect(hostile["request_id"] as? String == generated)
        }
    }
}

/// The observing middlewares learn a thrown error's status from the error itself (`HTTPResponseError`), not from a
/// mapping the application passes them: a validation failure is a 422 to them too, never a 500 (which would page and
/// reach Sentry).
@Suite struct ThrownErrorStatusTests {
    @Test func serviceErrorsAndProblemsCarryTheStatusTheyAreAnsweredWith() {
        #expect(HandledRequest.status(of: ServiceError(.validationFailed, "prompt is empty")) == 422)
        #expect(HandledRequest.status(of: ServiceError(.unauthorized, "no token")) == 401)
        #expect(HandledRequest.status(of: ServiceError(.paymentProviderError, "provider down")) == 502)
        #expect(HandledRequest.status(of: ProblemDetails.routeNotFound("/nope")) == 404)
        #expect(HandledRequest.status(of: CancellationError()) == 500, "an error that is not an HTTP one is a bug")
    }
}

@Suite struct AccessLogDurationTests {
    @Test(arguments: [
        (Duration.milliseconds(12.34), "12.3"), (.microseconds(50), "0.1"), (.microseconds(40), "0.0"), (.seconds(2), "2000.0"),
        (.milliseconds(999.96), "1000.0"),
    ])
    func durationsAreMillisecondsWithOneDecimalAsPrintfWroteThem(_ duration: Duration, _ text: String) {
        #expect(RequestLoggingMiddleware.milliseconds(duration) == text)
        let double = Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000
        #expect(String(format: "%.1f", double) == text)
    }
}

/// Problem documents are written by hand (``JSONText``) for speed; they must stay the JSON a general encoder writes:
/// keys sorted, strings escaped, extensions beside the standard members.
@Suite struct ProblemDocumentTests {
    @Test func theDocumentIsWhatJSONSerializationWritesWithSortedKeys() throws {
        let problem = ProblemDetails(
            code: "validation-failed", title: "Validation failed", status: .unprocessableContent,
            detail: "prompt \"a\\b\"\nhas a tab\t, a bell \u{07}, é and a /slash", extensions: ["max_length": .int(1000), "field": .string("prompt")]
        )
        let body = problem.document(requestID: "req-1")
        let expected: [String: Any] = [
            "type": "/docs#problem-validation-failed", "title": "Validation failed", "status": 422,
            "detail": problem.detail, "request_id": "req-1", "max_length": 1000, "field": "prompt",
        ]
        let reference = try JSONSerialization.data(withJSONObject: expected, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(String(decoding: body, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
    }
}

/// The access log names a request by its route template, and an unmatched one as `unmatched` (not Hummingbird's
/// internal `NotFound`), like the metrics and Sentry do.
@Suite struct AccessLogTests {
    final class Lines: Sendable {
        let lines = Mutex<[Logger.Metadata]>([])
    }

    struct Recorder: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            guard message.description == RequestLoggingMiddleware.message else { return }
            lines.lines.withLock { $0.append(self.metadata.merging(metadata ?? [:]) { $1 }) }
        }
    }

    @Test func eachLineNamesTheRouteTemplateOrUnmatched() async throws {
        let lines = Lines()
        let harness = try TestHarness()
        try await Application(router: harness.router, logger: Logger(label: "access") { _ in Recorder(lines: lines) }).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { _ in }
            try await client.execute(uri: "/api/v1/generations/gen_123", method: .get) { _ in }
            try await client.execute(uri: "/no/such/path", method: .get) { _ in }
        }
        let logged = lines.lines.withLock { $0 }.map { ($0["route"]?.description ?? "-", $0["status"]?.description ?? "-") }
        #expect(logged.map(\.0) == ["/health", "/api/v1/generations/{id}", "unmatched"])
        #expect(logged.map(\.1) == ["200", "401", "404"])
    }
}
