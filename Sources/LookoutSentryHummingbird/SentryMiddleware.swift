import HTTPTypes
import Hummingbird
import Instrumentation
import LookoutHummingbird
import LookoutSentry
import Tracing

/// Reports a Hummingbird application to Sentry: one transaction per request, named by its route template, continuing
/// the caller's trace; thrown errors and 5xx responses captured as events with the request, the route and the
/// breadcrumbs of that request; each request counted as a release-health session (errored when its status is one that
/// is captured).
///
/// Add it first (outermost), so that everything inside runs in the request's scope: each request gets its own
/// ``ScopeBox`` (bound task-locally), so concurrent requests never share tags, user or breadcrumbs, and log lines
/// become breadcrumbs of their request. If a middleware inside turns errors into responses, also add
/// ``SentryErrorMiddleware`` after it, so that the error itself (its type) is captured rather than a 5xx message.
/// With Sentry disabled (no DSN) it only calls the next responder.
public struct SentryMiddleware<Context: RequestContext>: RouterMiddleware {
    public struct Configuration: Sendable {
        /// Response statuses captured as events. Default: 500–599.
        public var captureStatuses: Set<Int> = Set(500...599)
        /// Methods left alone entirely. Default: HEAD, OPTIONS.
        public var skippedMethods: Set<HTTPRequest.Method> = [.head, .options]
        /// Paths left alone entirely (probes and scrapes); a trailing `*` matches any suffix. Default: `/metrics`,
        /// `/health`, `/health/live`, `/health/ready` (`/health/detailed` is reported: it is an operator's request).
        public var excludedPaths: [String] = ["/metrics", "/health", "/health/live", "/health/ready"]
        /// Transaction name for requests no route matched (raw paths would have unbounded names). Default `<unmatched>`.
        public var unmatchedRoute = "<unmatched>"
        /// Request headers kept on events (after scrubbing). Default: none besides these.
        public var recordedHeaders: [HTTPField.Name] = [.userAgent, .contentType, .accept, .contentLength]
        /// Where users reach the service (`https://api.example.com`): request URLs in events are this and the path.
        /// Default nil: `http://` and the request's `Host`, which the client chose, kept only when it is a plain
        /// `host[:port]` (else `localhost`).
        public var publicBaseURL: String?

        public init() {}
    }

    let client: SentryClient
    let configuration: Configuration
    private let filter: RequestFilter

    public init(client: SentryClient, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
        self.filter = RequestFilter(paths: configuration.excludedPaths)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard client.options.isEnabled, !configuration.skippedMethods.contains(request.method), !filter.excludes(request)
        else { return try await next(request, context) }

        let method = request.method.rawValue
        var initial = Scope(maxBreadcrumbs: client.options.maxBreadcrumbs)
        initial.tags["http.method"] = method
        // The request is described only if something is reported (most requests are not): see `describe`.
        let head = request.head
        let (recordedHeaders, baseURL) = (configuration.recordedHeaders, configuration.publicBaseURL)
        let scope = ScopeBox(initial, request: { Self.describe(head, recordedHeaders: recordedHeaders, baseURL: baseURL) })
        let incoming = TraceContext(
            sentryTrace: request.headers[.sentryTrace], baggage: request.headers[.baggage], traceparent: request.headers[.traceparent]
        )
        // A sampler's request attributes, built only when there is a sampler to read them.
        let attributes = client.options.tracesSampler == nil ? [:] : ["http.request.method": method, "url.path": request.uri.path]
        let transaction = client.startTransaction(
            name: "\(method) \(request.uri.path)", op: "http.server", source: .url, continuing: incoming, scope: scope, attributes: attributes
        )
        var instrumentation = InstrumentationContext.current ?? .topLevel
        instrumentation.incomingTrace = incoming
        if let transaction { instrumentation.sentrySpan = transaction }

        return try await ScopeBox.withScope(scope) {
            try await InstrumentationContext.$current.withValue(instrumentation) {
                do {
                    let response = try await next(request, context)
                    let status = Int(response.status.code)
                    let failed = configuration.captureStatuses.contains(status)
                    if failed, !scope.capturedError {
                        Self.annotate(scope, method: method, context: context, status: status, configuration)
                        client.capture(message: "HTTP \(status) on \(method) \(routeName(context))", level: .error)
                    }
                    client.recordSession(failed ? .errored : .exited)
                    // A sampled transaction ends when the client has the body (a streamed one takes its time).
                    guard let transaction, transaction.sampled else {
                        transaction?.finish()
                        return response
                    }
                    return response.whenWritten { [self] _ in finish(transaction, scope: scope, context: context, method: method, status: status) }
                } catch {
                    let status = HandledRequest.status(of: error)
                    client.recordSession(configuration.captureStatuses.contains(status) ? .errored : .exited)
                    finish(transaction, scope: scope, context: context, method: method, status: status)
                    SentryErrorMiddleware<Context>.capture(error, status: status, request: request, context: context, client: client, configuration: configuration)
                    throw error
                }
            }
        }
    }

    private func routeName(_ context: Context) -> String { Self.routeName(context, configuration) }

    /// The request as an event shows it: method, URL (the path, without the query) and the recorded headers, with
    /// `Authorization` and `Cookie` kept for the scrubber to mask (so that an event shows they were sent).
    static func describe(_ head: HTTPRequest, recordedHeaders: [HTTPField.Name], baseURL: String? = nil) -> SentryRequest {
        var headers: [String: String] = [:]
        for name in recordedHeaders { if let value = head.headerFields[name] { headers[name.canonicalName] = value } }
        for field in head.headerFields where field.name == .authorization || field.name == .cookie { headers[field.name.canonicalName] = field.value }
        let path = head.path.map { $0.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] } ?? "/"
        let base = baseURL ?? "http://\(head.authority.flatMap(plainAuthority) ?? "localhost")"
        return SentryRequest(method: head.method.rawValue, url: "\(base)\(path)", headers: headers)
    }

    /// The `Host` header when it is a plain `host[:port]` (letters, digits, `.`, `-`, `:` and IPv6 brackets, at most
    /// 255 bytes); nil for anything a client could use to make an event's URL point elsewhere (`evil.com/x@`, spaces).
    static func plainAuthority(_ authority: String) -> String? {
        guard !authority.isEmpty, authority.utf8.count <= 255 else { return nil }
        let allowed = authority.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"): true
            default: false
            }
        }
        return allowed ? authority : nil
    }

    static func routeName(_ context: Context, _ configuration: Configuration) -> String {
        HandledRequest.routeTemplate(context) ?? configuration.unmatchedRoute
    }

    /// Names the request's scope by its route and status (once routing has happened).
    static func annotate(_ scope: ScopeBox, method: String, context: Context, status: Int, _ configuration: Configuration) {
        let route = routeName(context, configuration)
        scope.update { scope in
            scope.transaction = "\(method) \(route)"
            scope.tags["route"] = route
            scope.tags["http.status_code"] = String(status)
        }
    }

    /// Ends the request's transaction. Only a sampled one is sent, and only then do the scope and the transaction need
    /// the route and status (an event captured earlier named them itself): an unsampled request skips that work.
    private func finish(_ transaction: SentrySpan?, scope: ScopeBox, context: Context, method: String, status: Int) {
        guard let transaction, transaction.sampled else {
            transaction?.finish()
            return
        }
        Self.annotate(scope, method: method, context: context, status: status, configuration)
        client.rename(transaction, to: "\(method) \(routeName(context))", source: .route)
        transaction.attributes["http.response.status_code"] = status
        transaction.attributes["http.route"] = routeName(context)
        transaction.setStatus(SentrySpanStatus(httpStatus: status))
        transaction.finish()
    }
}

/// Captures thrown errors with their type, from inside the middleware that turns errors into responses (which would
/// otherwise leave ``SentryMiddleware`` only a 5xx status to report). Marks the request's scope, so that the failure
/// is reported once: not again as a 5xx message, nor as an event from the log line about it.
public struct SentryErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let client: SentryClient
    let configuration: SentryMiddleware<Context>.Configuration

    public init(client: SentryClient, configuration: SentryMiddleware<Context>.Configuration = .init()) {
        self.client = client
        self.configuration = configuration
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            Self.capture(error, status: HandledRequest.status(of: error), request: request, context: context, client: client, configuration: configuration)
            throw error
        }
    }

    static func capture(
        _ error: any Error, status: Int, request: Request, context: Context, client: SentryClient, configuration: SentryMiddleware<Context>.Configuration
    ) {
        guard client.options.isEnabled, configuration.captureStatuses.contains(status), let scope = ScopeBox.current,
            !scope.capturedError
        else { return }
        SentryMiddleware<Context>.annotate(scope, method: request.method.rawValue, context: context, status: status, configuration)
        scope.update { $0.capturedError = true }
        client.capture(error: error, handled: false, mechanism: "hummingbird")
    }
}

extension HTTPField.Name {
    static let sentryTrace = Self("sentry-trace")!
    static let baggage = Self("baggage")!
    static let traceparent = Self("traceparent")!
}
