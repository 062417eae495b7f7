import Foundation
import GenerationCore
import GenerationHTTP
import GenerationMetrics
import GenerationSQLite
import GenerationSentry
import Hummingbird
import Logging
import LookoutMetrics
import LookoutHummingbird
import LookoutMetricsHummingbird
import LookoutProber
import LookoutRateLimit
import LookoutSentry
import LookoutSentryHummingbird
import LookoutSentryMetrics
import LookoutSLA
import LookoutSLAMetrics
import LookoutSLAHummingbird
import LookoutSLAPrometheus
import LookoutStatusPage
import LookoutStatusPageHummingbird
import ServiceLifecycle
import UnixSignals

/// Builds the long-lived parts of the service from an ``AppConfiguration`` and composes them: the Hummingbird
/// application of `backend` (``buildApplication(onListening:)``) and the service groups of both executables.
///
/// Order matters: services shut down in reverse order, so the HTTP server (last) stops accepting and drains first,
/// then the worker stops claiming and drains its running jobs, and Sentry's transport (first) sends what they reported.
public struct ServiceAssembly: Sendable {
    public let configuration: AppConfiguration
    public let storage: SQLiteStorage
    public let accounts: AccountService
    public let payments: PaymentService
    public let generations: GenerationService
    public let generator: any Generator
    public let logger: Logger
    /// The process's metrics; nil when `LOOKOUT_METRICS_ENABLED=false`.
    public let metrics: MetricsRegistry?
    let serviceMetrics: ServiceMetrics?
    /// Sentry's client and transport; disabled unless `SENTRY_DSN` is set.
    public let sentry: SentrySetup
    /// Per-minute SLA counts of the API's requests, flushed to the database (docs/sla.md).
    public let slaRecorder: SLARecorder
    /// The prober's view of every check and the recent incidents (the status page and `/health/detailed` read it).
    public let probeBoard = ProbeStatusBoard()
    /// The planned maintenance: the SLO file's windows and those declared through the API.
    public let maintenance: MaintenanceSchedule
    /// The secret that marks the prober's requests (``AppConfiguration/ProberSettings/token``): the configured one, or
    /// a random one for this process's own prober; nil when neither.
    public let probeSecret: String?

    /// Opens the database (``migrate()`` brings its schema up to date) and wires the services. `paymentProvider`: the
    /// one ``AppConfiguration/makePaymentProvider()`` made (`backend`), or a test's; default: an in-process sandbox.
    public init(
        configuration: AppConfiguration, logger: Logger, paymentProvider: (any PaymentProvider)? = nil,
        generator: (any Generator)? = nil, sentry: SentrySetup? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.sentry = sentry ?? SentrySetup(options: configuration.sentry)
        if configuration.metrics.enabled {
            let registry = MetricsRegistry(configuration: .init(maxSeriesPerFamily: configuration.metrics.maxSeriesPerFamily))
            BuildInfo.register(in: registry, revision: configuration.buildRevision)
            metrics = registry
            serviceMetrics = ServiceMetrics(registry: registry)
            slaRecorder = SLARecorder(sink: SLAEventMetrics(registry: registry, objectives: configuration.slo.objectives))
        } else {
            metrics = nil
            serviceMetrics = nil
            slaRecorder = SLARecorder()
        }
        let observer = Self.observer(metrics: serviceMetrics, sentry: self.sentry)
        storage = try SQLiteStorage(
            location: configuration.database, observer: serviceMetrics, slaRetention: configuration.slaRetention,
            synchronous: configuration.sqliteSynchronous
        )
        accounts = AccountService(
            store: storage, hasher: PasswordHasher(rounds: configuration.passwordHashRounds, maxPending: configuration.passwordHashQueue),
            configuration: configuration.accounts,
            observer: observer
        )
        payments = PaymentService(store: storage, provider: paymentProvider ?? SandboxPaymentProvider(), configuration: configuration.payments, observer: observer)
        generations = GenerationService(store: storage, configuration: configuration.generations, observer: observer)
        maintenance = MaintenanceSchedule(configured: configuration.slo.maintenance, store: storage)
        probeSecret = configuration.prober.token ?? (configuration.prober.enabled ? SecureBytes.hex(SecureBytes.random(count: 24)) : nil)
        self.generator = generator ?? SyntheticGenerator(configuration: configuration.generator)
    }

    public func makeWorker() -> GenerationWorker {
        GenerationWorker(
            queue: storage, generator: generator, configuration: configuration.worker,
            observer: observer, logger: logger
        )
    }

    /// Settles payments whose answer was lost (runs in `backend`, which holds the payment provider).
    public func makeReconciler() -> PaymentReconciler<ContinuousClock> {
        PaymentReconciler(payments: payments, store: storage, configuration: configuration.reconciler, logger: logger)
    }

    /// The worker's housekeeping: finished jobs and old results purged hourly.
    public func makeRetention() -> RetentionService<ContinuousClock> {
        RetentionService(store: storage, configuration: configuration.retention, observer: observer, logger: logger)
    }

    /// The `/metrics` endpoint: process figures, queue depth and cache counters are sampled before each exposition.
    public func makeMetricsEndpoint() -> MetricsEndpoint? {
        guard let metrics, let serviceMetrics else { return nil }
        let process = ProcessMetrics(registry: metrics)
        let storage = self.storage
        let sessions = accounts.sessionCache
        let finished = generations.finishedCache
        let transportMetrics = sentry.transport.map { SentryTransportMetrics(registry: metrics, transport: $0) }
        return MetricsEndpoint(
            registry: metrics, access: configuration.metrics.endpointAccess,
            collectors: [
                { process.collect() },
                { serviceMetrics.collectPool() },
                { await serviceMetrics.collectQueue(storage) },
                {
                    serviceMetrics.collectCache("sessions", sessions)
                    serviceMetrics.collectCache("finished_generations", finished)
                },
                { [transportMetrics] in transportMetrics?.collect() },
            ]
        )
    }

    /// What the services report to: the metrics and Sentry, each when enabled.
    public var observer: any ServiceObserver { Self.observer(metrics: serviceMetrics, sentry: sentry) }

    private static func observer(metrics: ServiceMetrics?, sentry: SentrySetup) -> any ServiceObserver {
        var observers: [any ServiceObserver] = []
        if let metrics { observers.append(metrics) }
        if sentry.isEnabled { observers.append(SentryServiceObserver(client: sentry.client)) }
        switch observers.count {
        case 0: return NoServiceObserver()
        case 1: return observers[0]
        default: return ServiceObservers(observers)
        }
    }

    /// The API's router with its observability (metrics middleware and `/metrics`) wired in.
    public func makeRouter() -> (router: Router<APIRequestContext>, routes: RouteTable) {
        var http = HTTPConfiguration()
        http.maxBodyBytes = configuration.http.maxBodyBytes
        var observability = HTTPObservability()
        if let metrics, let endpoint = makeMetricsEndpoint() {
            var middleware = HTTPMetricsMiddleware<APIRequestContext>.Configuration()
            middleware.excludedPaths = configuration.metrics.excludedPaths
            middleware.probeSecret = probeSecret
            observability.middleware = [HTTPMetricsMiddleware(registry: metrics, configuration: middleware)]
            observability.metrics = { request in await endpoint.response(to: request) }
        }
        var slaMiddleware = SLARequestMiddleware<APIRequestContext>.Configuration()
        slaMiddleware.latencyThreshold = configuration.slo.latencyThreshold
        slaMiddleware.probeSecret = probeSecret
        observability.middleware.append(SLARequestMiddleware(recorder: slaRecorder, configuration: slaMiddleware))
        observability.routes = libraryEndpoints()
        if sentry.isEnabled {
            // After the metrics (which time what clients see), around everything else, logging included; plus the error capture inside the
            // problem-details translation, where thrown errors still have their type.
            var sentryMiddleware = SentryMiddleware<APIRequestContext>.Configuration()
            sentryMiddleware.publicBaseURL = configuration.publicURL.map { url in
                url.absoluteString.hasSuffix("/") ? String(url.absoluteString.dropLast()) : url.absoluteString
            }
            observability.middleware.append(SentryMiddleware(client: sentry.client, configuration: sentryMiddleware))
            observability.innerMiddleware = [SentryErrorMiddleware(client: sentry.client, configuration: sentryMiddleware)]
        }
        return APIRouter.build(
            APIDependencies(
                accounts: accounts, payments: payments, generations: generations, health: storage, detailedHealth: detailedHealth,
                authThrottle: throttle("auth", configuration.rateLimits.auth)
            ),
            configuration: http, observability: observability
        )
    }

    /// A per-client limit named `policy` (counted in `lookout_requests_throttled_total`); nil when the setting is off.
    private func throttle(_ policy: String, _ limit: RateLimit?) -> RequestThrottle<ContinuousClock>? {
        guard let limit else { return nil }
        let observer = self.observer
        return RequestThrottle(
            policy: policy, limiter: RateLimiter(configuration: .init(limit: limit, maxKeys: configuration.rateLimits.maxClients), clock: ContinuousClock()),
            client: ClientAddress(trustedProxyHops: configuration.rateLimits.trustedProxyHops),
            onLimited: { observer.requestThrottled(policy: $0) }
        )
    }

    /// What `/sla/status` and the status page report: Prometheus when configured (every replica), else this process.
    var slaStatus: SLAStatusSource {
        let local = SLAStatusService(objectives: configuration.slo.objectives, recorder: slaRecorder, store: storage, maintenance: maintenance.all)
        let shared = configuration.slaPrometheusURL.map { PrometheusSLASource(baseURL: $0, objectives: configuration.slo.objectives) }
        return SLAStatusSource(local: local, shared: shared, maintenance: maintenance, logger: logger)
    }

    /// The SLA library's `/sla/*` and the status page's `/status`.
    private func libraryEndpoints() -> [Endpoint<APIRequestContext>] {
        let sla = slaStatus
        let statusPage = StatusPageSource(
            board: probeBoard, sla: sla,
            availabilityTarget: configuration.slo.objectives.first { $0.name == Objective.availability.name }?.target ?? Objective.availability.target,
            latencyThreshold: configuration.slo.latencyThreshold.timeInterval
        )
        // One cache for both: declaring maintenance through /sla/maintenance clears the status page too.
        let cache = ResponseCache(configuration: .init(maxAge: configuration.statusCacheMaxAge), clock: ContinuousClock())
        let endpoints: [Endpoint<APIRequestContext>] = SLARoutes(
            status: sla, admin: BearerTokenGate(token: configuration.adminToken, settingName: "LOOKOUT_ADMIN_TOKEN"),
            body: JSONBody(maxBytes: configuration.http.maxBodyBytes), cache: cache
        ).endpoints + StatusPageRoutes(source: statusPage, cache: cache).endpoints + crashEndpoints
        // The public reports are limited per client; the admin routes have their token.
        guard let throttle = throttle("status", configuration.rateLimits.status) else { return endpoints }
        let reports: Set<String> = ["/status", "/sla/status", "/sla/report"]
        return endpoints.map { reports.contains($0.path) ? throttle.guarding($0) : $0 }
    }

    /// `POST /admin/crash` when `LOOKOUT_ADMIN_CRASH_ROUTE=true`: checks, end to end, that a crash reaches Sentry.
    private var crashEndpoints: [Endpoint<APIRequestContext>] {
        guard configuration.adminCrashRoute else { return [] }
        let admin = BearerTokenGate(token: configuration.adminToken, settingName: "LOOKOUT_ADMIN_TOKEN")
        return [Endpoint(.post, "/admin/crash") { request, _ in
            try admin.require(request)
            CrashRoute.crash()
        }]
    }

    /// `/health/detailed`: the database, the queue, the worker's heartbeat, Sentry's delivery and the in-process prober.
    private var detailedHealth: DetailedHealth {
        DetailedHealth(
            storage: storage, transport: sentry.transport, prober: configuration.prober.enabled ? probeBoard : nil,
            thresholds: .init(workerHeartbeatMaxAge: configuration.http.workerHeartbeatMaxAge), now: { Date() }, logger: logger
        )
    }

    /// The API as a Hummingbird application, with the process's long-lived parts as its services: Sentry's transport,
    /// the SLA flush and (unless `LOOKOUT_WORKER_ENABLED=false`) the worker. They stop in reverse order, after the
    /// server: it stops accepting and drains, the worker stops claiming and finishes its jobs, the SLA flush writes
    /// what they counted, and Sentry's transport, last, sends what all of them reported. `onListening` receives the
    /// bound port (useful with port 0). The schema must be migrated first (``migrate()``).
    public func buildApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var application = MetricsServer.application(
            router: makeRouter().router, host: configuration.httpHost, port: configuration.httpPort, role: "HTTP server", logger: logger,
            onListening: onListening
        )
        application.addServices(sentryServices)
        application.addServices(SLAFlushService(recorder: slaRecorder, store: storage, logger: logger, flushed: slaFlushMonitor()))
        application.addServices(makeReconciler())
        if configuration.workerEnabled { application.addServices(makeWorker(), makeRetention()) }
        return application
    }

    /// Brings the database's schema up to date. Run before either process's services start: Hummingbird's
    /// `beforeServerStarts` would hold back only the server, while the worker and the SLA flush start at once.
    public func migrate() throws {
        try storage.migrate()
    }

    /// `backend`: the application (``buildApplication(onListening:)``), plus the prober probing the API unless
    /// `LOOKOUT_PROBER_ENABLED=false`. The prober runs beside the application and stops before it, so that no probe
    /// fails because the server is draining.
    public func backendServiceGroup(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> ServiceGroup {
        let port = ListeningPort()
        var services: [any Service] = [
            buildApplication { bound in
                port.publish(bound)
                await onListening(bound)
            }
        ]
        if configuration.prober.enabled { services.append(makeProber(baseURL: proberBaseURL(port: port))) }
        return serviceGroup(services)
    }

    /// `worker`: the job worker alone against the same database, with its own `/metrics` server.
    public func workerServiceGroup() -> ServiceGroup {
        var services: [any Service] = sentryServices + [makeWorker(), makeRetention()]
        if let endpoint = makeMetricsEndpoint() {
            services.append(
                MetricsServer.make(
                    endpoint: endpoint, host: configuration.httpHost, port: configuration.metrics.workerPort, role: "worker metrics server", logger: logger
                )
            )
        }
        return serviceGroup(services)
    }

    /// The SLA flush as a Sentry cron monitor (`sla-flush`): a failed flush at once, a working one once a minute. Nil
    /// when Sentry is disabled.
    private func slaFlushMonitor() -> (@Sendable (Bool, Duration) -> Void)? {
        guard sentry.isEnabled else { return nil }
        let monitor = PeriodicMonitor(client: sentry.client, slug: "sla-flush", every: .seconds(60))
        return { succeeded, duration in monitor.runFinished(succeeded: succeeded, duration: duration) }
    }

    /// First in the group, so that they stop last: the transport sends what the draining services report, after the
    /// session flusher (stopping just before it) has handed over the last minute's sessions.
    private var sentryServices: [any Service] { sentry.transport.map { [$0, SessionFlusher(client: sentry.client)] } ?? [] }

    private func serviceGroup(_ services: [any Service]) -> ServiceGroup {
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A drain that hangs must not keep the process alive forever: cancel what is left after the drain window.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.worker.drainTimeout + .seconds(15)
        return ServiceGroup(configuration: groupConfiguration)
    }
}
