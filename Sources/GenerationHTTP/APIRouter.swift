import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore

/// Settings of the HTTP layer.
public struct HTTPConfiguration: Sendable {
    /// Largest request body accepted, in bytes; larger bodies get 413. Default: 1 MiB.
    public var maxBodyBytes = 1 << 20

    public init() {}
}

/// Observability that wraps the API without the API knowing it: middleware around every route (matched or not) and
/// the `/metrics` handler.
public struct HTTPObservability: Sendable {
    /// Applied outermost first, around every request, unmatched ones included.
    public var middleware: [any MiddlewareProtocol<Request, Response, APIRequestContext>]
    /// Applied inside the error-to-problem translation, so they see thrown errors themselves (error reporting).
    public var innerMiddleware: [any MiddlewareProtocol<Request, Response, APIRequestContext>] = []
    /// Endpoints the Lookout libraries add (`/sla/*`, `/status`), registered after the API's own routes and inside all
    /// middleware: thrown errors become problem details.
    public var routes: [Endpoint<APIRequestContext>] = []
    /// Serves `GET /metrics` when set.
    public var metrics: (@Sendable (Request) async -> Response)?

    public init(middleware: [any MiddlewareProtocol<Request, Response, APIRequestContext>] = [], metrics: (@Sendable (Request) async -> Response)? = nil) {
        self.middleware = middleware
        self.metrics = metrics
    }
}

/// What the routes need from the service.
public struct APIDependencies: Sendable {
    public var accounts: AccountService
    public var payments: PaymentService
    public var generations: GenerationService
    public var health: any StorageHealthCheck
    /// Serves `/health/detailed` when set.
    public var detailedHealth: (any DetailedHealthCheck)?
    /// Limits `POST /api/v1/users` and `POST /api/v1/sessions` per client when set.
    public var authThrottle: RequestThrottle<ContinuousClock>?
    public var now: @Sendable () -> Date

    public init(
        accounts: AccountService, payments: PaymentService, generations: GenerationService, health: any StorageHealthCheck,
        detailedHealth: (any DetailedHealthCheck)? = nil, authThrottle: RequestThrottle<ContinuousClock>? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.accounts = accounts
        self.payments = payments
        self.generations = generations
        self.health = health
        self.detailedHealth = detailedHealth
        self.authThrottle = authThrottle
        self.now = now
    }
}

/// Builds the router of the whole HTTP API: middleware, `/api/v1`, health, `/openapi.json` and `/docs`.
public enum APIRouter {
    public static func build(
        _ dependencies: APIDependencies, configuration: HTTPConfiguration = .init(), observability: HTTPObservability = .init()
    ) -> (router: Router<APIRequestContext>, routes: RouteTable) {
        let router = Router(context: APIRequestContext.self)
        let routes = RouteTable()
        // Middleware applies to routes added after it: add it first. Outermost first.
        for middleware in observability.middleware { router.add(middleware: middleware) }
        router.add(middleware: RequestLoggingMiddleware())
        router.add(middleware: ProblemDetailsMiddleware(routes: routes, maxBodyBytes: configuration.maxBodyBytes))
        for middleware in observability.innerMiddleware { router.add(middleware: middleware) }

        HealthRoutes(storage: dependencies.health, detailed: dependencies.detailedHealth)
            .register(on: router, table: routes)
        APIRoutes(
            accounts: dependencies.accounts, payments: dependencies.payments, generations: dependencies.generations,
            body: JSONBody(maxBytes: configuration.maxBodyBytes), authThrottle: dependencies.authThrottle
        ).register(on: router, table: routes)

        let openAPI = ByteBuffer(string: OpenAPIDocument.json)
        router.on(.get, "/openapi.json", recordingIn: routes) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: openAPI))
        }
        let docs = ByteBuffer(string: DocsPage.render(openAPI: OpenAPIDocument.json, problems: ProblemDetails.catalog))
        var docsHeaders = HTMLPageHeaders.fields
        docsHeaders[.contentType] = "text/html; charset=utf-8"
        router.on(.get, "/docs", recordingIn: routes) { [docsHeaders] _, _ in
            Response(status: .ok, headers: docsHeaders, body: .init(byteBuffer: docs))
        }
        if let metrics = observability.metrics {
            router.on(.get, "/metrics", recordingIn: routes) { request, _ in await metrics(request) }
        }
        for endpoint in observability.routes {
            router.on(endpoint.method, endpoint.path, recordingIn: routes, use: endpoint.handler)
        }
        return (router, routes)
    }

    /// The OpenAPI document served at `/openapi.json`.
    public static var openAPIDocument: String { OpenAPIDocument.json }
}
