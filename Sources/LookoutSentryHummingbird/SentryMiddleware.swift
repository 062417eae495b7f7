import HTTPTypes
import Hummingbird
import Instrumentation
import LookoutSentry
import Tracing

/// Reports a Hummingbird application to Sentry: one transaction per request, named by its route template, continuing
/// the caller's trace; thrown errors and 5xx responses captured as events with the request, the route and the
/// breadcrumbs of that request.
///
/// Place it after any middleware that turns errors into responses, so that it sees the error itself. Each request gets
/// its own ``ScopeBox`` (bound task-locally), so concurrent requests never share tags, user or breadcrumbs.
/// With Sentry disabled (no DSN) it only calls the next responder.
public struct SentryMiddleware<Context: RequestContext>: RouterMiddleware {
    public struct Configuration: Sendable {
        /// Response statuses captured as events. Default: 500–599.
        public var captureStatuses: Set<Int> = Set(500...599)
        /// Methods left alone entirely. Default: HEAD, OPTIONS.
        public var skippedMethods: Set<HTTPRequest.Method> = [.head, .options]
        /// Paths left alone entirely (probes and scrapes). Default: `/metrics`, `/health`, `/health/live`, `/health/ready`.
        public var excludedPaths: Set<String> = ["/metrics", "/health", "/health/live", "/health/ready"]
        /// Transaction name for requests no route matched (raw paths would have unbounded names). Default `<unmatched>`.
        public var unmatchedRoute = "<unmatched>"
        /// Request headers kept on events (after scrubbing). Default: none besides these.
        public var recordedHeaders: [HTTPField.Name] = [.userAgent, .contentType, .accept, .contentLength]
        /// The status a thrown error will be answered with, so that errors that become 4xx are not captured.
        /// Default: the status of an `HTTPResponseError`, else 500. Give it the application's own error mapping.
        public var status: @Sendable (any Error) -> Int = { error in (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500 }

        public init() {}
    }

    let client: SentryClient
    let configuration: Configuration

    public init(client: SentryClient, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard client.options.isEnabled, !configuration.skippedMethods.contains(request.method),
            !configuration.excludedPaths.contains(request.uri.path)
        else { return try await next(request, context) }

        let method = request.method.rawValue
        let scope = ScopeBox(Scope(maxBreadcrumbs: client.options.maxBreadcrumbs))
        var headers: [String: String] = [:]
        for name in configuration.recordedHeaders { if let value = request.headers[name] { headers[name.canonicalName] = value } }
        for field in request.headers where field.name == .authorization || field.name == .cookie { headers[field.name.canonicalName] = field.value }
        let host = request.head.authority ?? "localhost"
        scope.update { scope in
            scope.request = SentryRequest(method: method, url: "http://\(host)\(request.uri.path)", headers: headers)
            scope.tags["http.method"] = method
        }
        let incoming = TraceContext(
            sentryTrace: request.headers[HTTPField.Name("sentry-trace")!], baggage: request.headers[HTTPField.Name("baggage")!],
            traceparent: request.headers[HTTPField.Name("traceparent")!]
        )
        let transaction = client.startTransaction(
            name: "\(method) \(request.uri.path)", op: "http.server", source: .url, continuing: incoming, scope: scope
        )
        var instrumentation = InstrumentationContext.current ?? .topLevel
        instrumentation.incomingTrace = incoming
        if let transaction { instrumentation.sentrySpan = transaction }

        return try await ScopeBox.withScope(scope) {
            try await InstrumentationContext.$current.withValue(instrumentation) {
                do {
                    let response = try await next(request, context)
                    finish(transaction, scope: scope, context: context, method: method, status: Int(response.status.code))
                    if configuration.captureStatuses.contains(Int(response.status.code)) {
                        client.capture(message: "HTTP \(response.status.code) on \(method) \(routeName(context))", level: .error)
                    }
                    return response
                } catch {
                    let status = configuration.status(error)
                    finish(transaction, scope: scope, context: context, method: method, status: status)
                    if configuration.captureStatuses.contains(status) {
                        scope.update { $0.capturedError = true }
                        client.capture(error: error, handled: false, mechanism: "hummingbird")
                    }
                    throw error
                }
            }
        }
    }

    private func routeName(_ context: Context) -> String {
        context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? configuration.unmatchedRoute
    }

    private func finish(_ transaction: SentrySpan?, scope: ScopeBox, context: Context, method: String, status: Int) {
        let name = "\(method) \(routeName(context))"
        scope.update { scope in
            scope.transaction = name
            scope.tags["route"] = routeName(context)
            scope.tags["http.status_code"] = String(status)
        }
        guard let transaction else { return }
        client.rename(transaction, to: name, source: .route)
        transaction.attributes["http.response.status_code"] = status
        transaction.attributes["http.route"] = routeName(context)
        transaction.setStatus(SentrySpanStatus(httpStatus: status))
        transaction.finish()
    }
}
