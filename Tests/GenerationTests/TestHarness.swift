import Foundation
import GenerationApp
import GenerationCore
import GenerationHTTP
import GenerationSQLite
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import LookoutMetrics
import NIOCore
import TestSupport
import Testing

/// The real service as `backend` wires it (ServiceAssembly: storage, services, metrics, router) on an in-memory database,
/// with the knobs tests need: a sandbox provider to count charges (and how long its `tok_slow` takes), a payment
/// timeout, limits.
/// `@unchecked Sendable`: the router is built once in `init` and only read afterwards.
struct TestHarness: @unchecked Sendable {
    let assembly: ServiceAssembly
    let provider: SandboxPaymentProvider
    let router: Router<APIRequestContext>
    let routes: RouteTable
    let logger: Logger

    var storage: SQLiteStorage { assembly.storage }
    var metrics: MetricsRegistry? { assembly.metrics }

    init(
        paymentTimeout: Duration = .seconds(5), slowPayment: Duration = .milliseconds(100), maxBodyBytes: Int = 1 << 20,
        maxAttempts: Int = 3, configure: (inout AppConfiguration) -> Void = { _ in }
    ) throws {
        provider = SandboxPaymentProvider(slowAnswer: slowPayment)
        var configuration = AppConfiguration()
        configuration.database = .inMemory
        configuration.payments.providerTimeout = paymentTimeout
        configuration.http.maxBodyBytes = maxBodyBytes
        configuration.generations.maxAttempts = maxAttempts
        // In-process requests have no peer address, so every test's users would share one client's limits; the
        // throttling tests turn them back on (ThrottlingAPITests), with X-Forwarded-For to tell clients apart.
        configuration.rateLimits = .off
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        self.logger = logger
        assembly = try ServiceAssembly(configuration: configuration, logger: logger, paymentProvider: provider, generator: InstantGenerator())
        try assembly.migrate()
        (router, routes) = assembly.makeRouter()
    }

    /// Runs `body` with a client talking to the router in-process.
    func withClient<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: router, logger: logger).test(.router, body)
    }

    /// A worker over this harness's queue, reporting to its metrics, fast enough for tests.
    func worker(generator: any Generator, configure: (inout GenerationWorker.Configuration) -> Void = { _ in }) -> GenerationWorker {
        var configuration = GenerationWorker.Configuration()
        configuration.workerID = "test-worker"
        configuration.pollInterval = .milliseconds(10)
        configuration.heartbeatInterval = .milliseconds(50)
        configuration.retryBaseDelay = .zero
        configuration.retryJitter = 0
        configure(&configuration)
        return GenerationWorker(queue: storage, generator: generator, configuration: configuration, observer: assembly.observer, logger: logger)
    }

    /// Scrapes `/metrics` through the router and parses it.
    func scrape(_ client: any TestClientProtocol) async throws -> ScrapedMetrics {
        let reply = try await client.send(.get, "/metrics")
        try #require(reply.status == .ok, "scrape failed: \(reply.status)")
        return try ScrapedMetrics(reply.text)
    }
}

/// A generator that answers at once with the synthetic artifact, or fails as scripted.
struct InstantGenerator: Generator {
    var failure: GeneratorError?
    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult {
        if let failure { throw failure }
        return SyntheticGenerator.render(kind: kind, prompt: prompt)
    }
}

// MARK: - Request helpers

struct JSONReply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
    /// The body parsed as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:] }
    var text: String { String(buffer: body) }
    subscript(key: String) -> Any? { json[key] }
}

extension TestClientProtocol {
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, headers extra: HTTPFields = [:], json: String? = nil,
        contentType: String = "application/json"
    ) async throws -> JSONReply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            JSONReply(status: response.status, headers: response.headers, body: response.body)
        }
    }

    /// Registers and logs in a fresh user; returns the bearer token.
    func newUser(_ email: String = "user-\(UUID().uuidString.prefix(8))@example.com", password: String = "correct horse battery") async throws -> String {
        let registered = try await send(.post, "/api/v1/users", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        try #require(registered.status == .accepted, "registration failed: \(registered.text)")
        let login = try await send(.post, "/api/v1/sessions", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        try #require(login.status == .created, "login failed: \(login.text)")
        return try #require(login["token"] as? String)
    }

    /// Buys `amountMinor` EUR cents of credits (one credit per cent) with an approved card.
    func buyCredits(_ token: String, amountMinor: Int = 1000) async throws {
        let reply = try await send(
            .post, "/api/v1/payments", token: token, headers: [.init("Idempotency-Key")!: UUID().uuidString],
            json: #"{"amount_minor":\#(amountMinor),"currency":"EUR","card_token":"tok_visa"}"#
        )
        try #require(reply.status == .created, "payment failed: \(reply.text)")
    }

    func credits(_ token: String) async throws -> Int {
        try #require(try await send(.get, "/api/v1/me", token: token)["credits"] as? Int)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
}
