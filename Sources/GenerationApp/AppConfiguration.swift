import Foundation
import LookoutConfigFile
import LookoutConfiguration
import GenerationCore
import GenerationSQLite
import Logging
import LookoutMetrics
import LookoutProber
import LookoutRateLimit
import LookoutSentry
import LookoutSLA

/// Every setting of the `backend` and `worker` executables, with its default.
///
/// Read once at start-up by ``init(environment:)`` from `LOOKOUT_*` variables; `docs/configuration.md` lists them all.
/// An invalid value, or an unknown `LOOKOUT_` variable (most often a typo), stops start-up with a
/// ``ConfigurationError`` naming the variable and what is allowed.
public struct AppConfiguration: Sendable {
    public enum LogFormat: String, Sendable, CaseIterable {
        /// One human-readable line per event.
        case text
        /// One JSON object per line, for log shippers.
        case json
    }

    /// Interface the HTTP server binds. `LOOKOUT_HTTP_HOST`, default `127.0.0.1`.
    public var httpHost = "127.0.0.1"
    /// TCP port; 0 picks a free one (and the chosen port is logged). `LOOKOUT_HTTP_PORT`, default 8080.
    public var httpPort = 8080
    /// The address users reach the API at (`https://api.example.com`), which request URLs in Sentry events start with.
    /// `LOOKOUT_PUBLIC_URL`; unset: `http://` and the request's `Host` header, when it is a plain host name.
    public var publicURL: URL?
    /// Where data lives. `LOOKOUT_DATABASE_URL`, default `sqlite://./data/lookout.sqlite`.
    public var database: SQLiteStorage.Location = .file(path: "./data/lookout.sqlite")
    /// When a commit is on disk. `LOOKOUT_SQLITE_SYNCHRONOUS`, `full` (default: a power loss loses no approved
    /// payment) or `normal` (faster writes; a power loss can roll back the last commits).
    public var sqliteSynchronous: SQLiteStorage.Synchronous = .full
    /// `LOOKOUT_LOG_FORMAT`, default `text`.
    public var logFormat: LogFormat = .text
    /// `LOOKOUT_LOG_LEVEL`, default `info`.
    public var logLevel: Logger.Level = .info
    /// Whether `backend` runs the job worker in its own process. `LOOKOUT_WORKER_ENABLED`, default true.
    public var workerEnabled = true
    public var worker = GenerationWorker.Configuration()
    public var generations = GenerationService.Configuration()
    public var generator = SyntheticGenerator.Configuration()
    /// How long finished jobs and generations' results are kept (the worker purges hourly).
    /// `LOOKOUT_JOB_RETENTION_DAYS` (30) and `LOOKOUT_ARTIFACT_RETENTION_DAYS` (90), 1-36500.
    public var retention = RetentionService<ContinuousClock>.Configuration()
    public var payments = PaymentService.Configuration()
    /// Settles payments whose answer was lost. `LOOKOUT_PAYMENT_RECONCILE_SECONDS` (interval, 30); a pending payment is
    /// abandoned after `LOOKOUT_PAYMENT_PENDING_GRACE_SECONDS` (default: the provider timeout plus 50 s).
    public var reconciler = PaymentReconciler<ContinuousClock>.Configuration()
    public var accounts = AccountService.Configuration()
    public var http = HTTPSettings()
    public var metrics = MetricsSettings()
    public var prober = ProberSettings()
    /// The objectives and planned maintenance (docs/sla.md, "The SLO file"). `LOOKOUT_SLO_FILE`, default: the built-in
    /// objectives (`deploy/slo.yml` writes them out), no maintenance. Read by ``loadFiles(checks:environment:)``.
    public var sloFilePath: String?
    public var slo = SLOFile.defaults
    /// Prometheus to take `/sla/status` figures from (its recording rules sum every replica's events). Unset: this
    /// deployment's database. `LOOKOUT_SLA_PROMETHEUS_URL`, e.g. `http://prometheus:9090`.
    public var slaPrometheusURL: URL?
    /// How long SLA history is kept (docs/sla.md, "History and its cost"): minutes and hours 35 days (the 30-day
    /// window and its edges), days `LOOKOUT_SLA_HISTORY_DAYS`, default 400, 90-36500 (monthly reports and the status
    /// page's 90 days).
    public var slaRetention = SLARollup.Retention()
    /// How long `/sla/status`, `/sla/report` and `/status` are served from memory before they are computed again
    /// (concurrent requests share one computation either way). `LOOKOUT_STATUS_CACHE_SECONDS`, default 5, 0-300
    /// (0: computed for every request that does not arrive while another computes it).
    public var statusCacheMaxAge: Duration = .seconds(5)
    /// Bearer token of the admin API (`POST`/`DELETE /sla/maintenance`). `LOOKOUT_ADMIN_TOKEN`, at least 16 characters;
    /// default unset: the admin API refuses every call.
    public var adminToken: String?
    /// `POST /admin/crash` (admin token required) traps the process on purpose, to check that crashes reach Sentry
    /// (docs/sentry.md, "Crashes"). `LOOKOUT_ADMIN_CRASH_ROUTE`, default false: no such route.
    public var adminCrashRoute = false
    /// Sentry: the `SENTRY_*` variables (docs/sentry.md). No `SENTRY_DSN`: disabled. Release defaults to
    /// `lookout@<version>`.
    public var sentry = SentryOptions()
    /// What this deployment is called; `production` makes some settings stricter (the sandbox payment provider).
    /// `LOOKOUT_ENVIRONMENT`, default `development`.
    public var deploymentEnvironment = "development"
    /// Who takes payments. `LOOKOUT_PAYMENT_PROVIDER`, default `sandbox` (the only one built in: a real provider is an
    /// adapter of `PaymentProvider`).
    public var paymentProvider: PaymentProviderKind = .sandbox
    /// Whether `backend` may take payments through the sandbox when ``deploymentEnvironment`` is `production`.
    /// `LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION`, default false: the sandbox grants credits for `tok_visa` and fails on
    /// demand (`tok_provider_error`, `tok_timeout`), which in production is free credits and pages at will.
    public var sandboxInProduction = false
    /// A file where the sandbox keeps its charges across restarts, as a real provider would keep them
    /// (`SandboxPaymentProvider`'s ledger). `LOOKOUT_PAYMENT_SANDBOX_LEDGER`, default unset: charges live in the process.
    public var sandboxLedgerPath: String?

    /// The payment providers `LOOKOUT_PAYMENT_PROVIDER` can name.
    public enum PaymentProviderKind: String, Sendable, CaseIterable {
        /// ``GenerationCore/SandboxPaymentProvider``: test card tokens, no money moves.
        case sandbox
    }

    /// Source revision reported in `lookout_build_info`. `LOOKOUT_BUILD_REVISION`, default `unknown`.
    public var buildRevision = "unknown"
    /// PBKDF2 iterations for new password hashes. `LOOKOUT_PASSWORD_HASH_ROUNDS`, default 210 000 (also the minimum).
    public var passwordHashRounds = PasswordHasher.minimumRounds
    /// Password hashes running or waiting at once; past it logins and registrations get 503 with `Retry-After`.
    /// `LOOKOUT_PASSWORD_HASH_QUEUE`, default 32.
    public var passwordHashQueue = 32
    /// Per-client limits (docs/operations.md, "Throttling"). Failed logins per account: `accounts.loginFailureLimit`,
    /// `LOOKOUT_RATE_LIMIT_LOGIN_FAILURES`, default `10/15m`.
    public var rateLimits = RateLimitSettings()

    /// Per-client rate limits: `N/PERIOD` (`20/1m`, `5/10s`, `100/1h`: N at once, then N per period) or `off`.
    public struct RateLimitSettings: Sendable {
        /// `POST /api/v1/users` and `POST /api/v1/sessions` per client address (each costs a password hash).
        /// `LOOKOUT_RATE_LIMIT_AUTH`, default `20/1m`.
        public var auth: RateLimit? = RateLimit(requests: 20, per: .seconds(60))
        /// `GET /status`, `/sla/status` and `/sla/report` per client address. `LOOKOUT_RATE_LIMIT_STATUS`, default `120/1m`.
        public var status: RateLimit? = RateLimit(requests: 120, per: .seconds(60))
        /// Proxies in front of the API that append to `X-Forwarded-For` (a load balancer: 1); 0 means the TCP peer is
        /// the client. `LOOKOUT_TRUSTED_PROXY_HOPS`, default 0. Set it to exactly the number of proxies: more lets
        /// clients choose their own address, fewer makes every client the proxy.
        public var trustedProxyHops = 0
        /// Clients tracked per limit. `LOOKOUT_RATE_LIMIT_MAX_CLIENTS`, default 10 000.
        public var maxClients = 10_000
        /// Every limit off (tests that make many accounts from one address).
        public static let off = RateLimitSettings(auth: nil, status: nil)

        public init() {}
        init(auth: RateLimit?, status: RateLimit?) {
            self.auth = auth
            self.status = status
        }
    }

    /// Settings of the HTTP layer, kept free of Hummingbird types.
    public struct HTTPSettings: Sendable {
        /// `LOOKOUT_MAX_BODY_BYTES`, default 1 048 576.
        public var maxBodyBytes = 1 << 20
        /// `LOOKOUT_WORKER_HEARTBEAT_MAX_AGE_SECONDS`, default 30.
        public var workerHeartbeatMaxAge: Duration = .seconds(30)
        public init() {}
    }

    /// Settings of the synthetic prober (docs/sla.md): inside `backend` by default, or the standalone `prober`.
    public struct ProberSettings: Sendable {
        /// Whether `backend` runs the prober against itself. `LOOKOUT_PROBER_ENABLED`, default true.
        public var enabled = true
        /// A YAML checks file (docs/sla.md, "The checks file"). `LOOKOUT_PROBER_CHECKS_FILE`, default none: the built-in checks.
        public var checksFilePath: String?
        /// The file's content, read by ``loadChecksFile()`` at start-up.
        public var file: ProberFile?
        /// What paths such as `/health` point at. `LOOKOUT_PROBER_BASE_URL`; default for `backend`: its own address.
        public var baseURL: URL?
        /// Interval, timeout and confirmation threshold of the built-in checks. `LOOKOUT_PROBER_INTERVAL_SECONDS` (30),
        /// `LOOKOUT_PROBER_TIMEOUT_SECONDS` (5), `LOOKOUT_PROBER_FAILURES_TO_CONFIRM` (3).
        public var interval: Duration = .seconds(30)
        public var timeout: Duration = .seconds(5)
        public var failuresToConfirm = 3
        /// The round-trip check's account. `LOOKOUT_PROBER_ACCOUNT_EMAIL` and `LOOKOUT_PROBER_ACCOUNT_PASSWORD`; default:
        /// a new random account per process.
        public var account: ProbeAccount?
        /// Port of the standalone `prober`'s `/metrics` (on `LOOKOUT_HTTP_HOST`). `LOOKOUT_PROBER_METRICS_PORT`, default 9093.
        public var metricsPort = 9093
        /// The secret the prober sends in `X-Lookout-Probe` and the API recognises its requests by (they count toward
        /// `availability`, not the request SLOs and metrics). `LOOKOUT_PROBER_TOKEN` (or `_FILE`), at least 16
        /// characters, the same for the API and the standalone prober. Default unset: `backend` with its own prober
        /// picks a random one per process; otherwise every request counts as a user's.
        public var token: String?
        public init() {}

        /// Reads ``checksFilePath`` into ``file``; a bad file stops start-up with its file, line and field.
        public mutating func loadChecksFile(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigFileError) {
            guard let checksFilePath else { return }
            file = try ProberFile.load(path: checksFilePath, environment: environment)
        }

        /// The built-in checks (unless the file turns them off) followed by the file's; a file check replaces the
        /// built-in one of the same name.
        public var checks: [ProbeCheck] {
            let fromFile = file?.checks ?? []
            let names = Set(fromFile.map(\.name))
            let builtIn = (file?.includeDefaults ?? true)
                ? DefaultChecks.all(interval: interval, timeout: timeout, failuresToConfirm: failuresToConfirm).filter { !names.contains($0.name) } : []
            return builtIn + fromFile
        }
    }

    /// Settings of the Prometheus metrics.
    public struct MetricsSettings: Sendable {
        public enum Access: Sendable, Equatable {
            case open
            case bearer(token: String)
            case basic(username: String, password: String)
        }

        /// `LOOKOUT_METRICS_ENABLED`, default true. Off: no `/metrics`, nothing recorded (used to measure the overhead).
        public var enabled = true
        /// `LOOKOUT_METRICS_BEARER_TOKEN` or `LOOKOUT_METRICS_BASIC_AUTH` (`user:password`); default open.
        public var access: Access = .open
        /// Paths the HTTP metrics skip; a trailing `*` matches a prefix. `LOOKOUT_METRICS_EXCLUDED_PATHS`, comma-separated,
        /// default `/metrics,/health*,/docs,/openapi.json`.
        public var excludedPaths = ["/metrics", "/health*", "/docs", "/openapi.json"]
        /// Whether `/metrics` may be served without credentials on an address other than loopback.
        /// `LOOKOUT_METRICS_PUBLIC`, default false: start-up refuses an open `/metrics` on `0.0.0.0`.
        public var allowPublic = false
        /// `LOOKOUT_METRICS_MAX_SERIES_PER_FAMILY`, default 500.
        public var maxSeriesPerFamily = 500
        /// Port of the standalone `worker`'s own `/metrics` (on `LOOKOUT_HTTP_HOST`). `LOOKOUT_WORKER_METRICS_PORT`, default 9091.
        public var workerPort = 9091
        public init() {}
    }

    public init() {}

    /// Reads `LOOKOUT_*` variables over the defaults.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        var reader = EnvironmentReader(environment: environment, secrets: Set(SecretFiles.names))
        httpHost = try reader.string("LOOKOUT_HTTP_HOST", default: httpHost, allowed: "a hostname or IP address, e.g. 127.0.0.1 or 0.0.0.0")
        httpPort = try reader.integer("LOOKOUT_HTTP_PORT", default: httpPort, in: 0...65535, allowed: "an integer 0-65535 (0 = any free port)")
        publicURL = try reader.optional("LOOKOUT_PUBLIC_URL", allowed: "an http:// or https:// URL without a path, e.g. https://api.example.com") {
            guard let url = URL(string: $0), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
                url.path.isEmpty || url.path == "/", url.query == nil
            else { return nil }
            return url
        }
        database = try reader.value("LOOKOUT_DATABASE_URL", default: database, allowed: "sqlite://PATH (e.g. sqlite://./data/lookout.sqlite) or sqlite::memory:", parse: Self.parseDatabaseURL)
        sqliteSynchronous = try reader.value("LOOKOUT_SQLITE_SYNCHRONOUS", default: sqliteSynchronous, allowed: "full or normal") {
            SQLiteStorage.Synchronous(rawValue: $0.lowercased())
        }
        logFormat = try reader.value("LOOKOUT_LOG_FORMAT", default: logFormat, allowed: "text or json") { LogFormat(rawValue: $0.lowercased()) }
        logLevel = try reader.value("LOOKOUT_LOG_LEVEL", default: logLevel, allowed: "trace, debug, info, notice, warning, error or critical") { Logger.Level(rawValue: $0.lowercased()) }
        workerEnabled = try reader.boolean("LOOKOUT_WORKER_ENABLED", default: workerEnabled)
        worker.concurrency = try reader.integer("LOOKOUT_WORKER_CONCURRENCY", default: worker.concurrency, in: 1...64, allowed: "an integer 1-64")
        worker.leaseDuration = try reader.seconds("LOOKOUT_JOB_LEASE_SECONDS", default: worker.leaseDuration, in: 1...3600)
        worker.leaseRenewalInterval = worker.leaseDuration / 3
        worker.retryBaseDelay = try reader.seconds("LOOKOUT_JOB_RETRY_BASE_SECONDS", default: worker.retryBaseDelay, in: 0...3600)
        worker.retryMaxDelay = try reader.seconds("LOOKOUT_JOB_RETRY_MAX_SECONDS", default: worker.retryMaxDelay, in: 0...86400)
        worker.drainTimeout = try reader.seconds("LOOKOUT_SHUTDOWN_DRAIN_SECONDS", default: worker.drainTimeout, in: 0...3600)
        worker.attemptTimeout = try reader.seconds("LOOKOUT_JOB_ATTEMPT_TIMEOUT_SECONDS", default: worker.attemptTimeout, in: 1...86_400)
        if let id = environment["LOOKOUT_WORKER_ID"], !id.isEmpty { worker.workerID = id }
        reader.markKnown("LOOKOUT_WORKER_ID")
        retention.jobRetention = .seconds(86_400 * (try reader.integer(
            "LOOKOUT_JOB_RETENTION_DAYS", default: Int(retention.jobRetention.components.seconds / 86_400), in: 1...36_500, allowed: "a number of days 1-36500"
        )))
        retention.artifactRetention = .seconds(86_400 * (try reader.integer(
            "LOOKOUT_ARTIFACT_RETENTION_DAYS", default: Int(retention.artifactRetention.components.seconds / 86_400), in: 1...36_500,
            allowed: "a number of days 1-36500"
        )))
        generations.maxAttempts = try reader.integer("LOOKOUT_JOB_MAX_ATTEMPTS", default: generations.maxAttempts, in: 1...100, allowed: "an integer 1-100")
        generator.minimumLatency = try reader.milliseconds("LOOKOUT_GENERATOR_MIN_LATENCY_MS", default: generator.minimumLatency)
        generator.maximumLatency = try reader.milliseconds("LOOKOUT_GENERATOR_MAX_LATENCY_MS", default: generator.maximumLatency)
        guard generator.maximumLatency >= generator.minimumLatency else {
            throw ConfigurationError(variable: "LOOKOUT_GENERATOR_MAX_LATENCY_MS", value: "\(generator.maximumLatency)", allowed: "at least LOOKOUT_GENERATOR_MIN_LATENCY_MS")
        }
        generator.failureRate = try reader.fraction("LOOKOUT_GENERATOR_FAILURE_RATE", default: generator.failureRate)
        payments.prices = try reader.value(
            "LOOKOUT_CREDIT_PRICES", default: payments.prices,
            allowed: "CURRENCY=MINOR_UNITS_PER_100_CREDITS pairs, comma-separated (e.g. USD=110,JPY=165); currencies: \(Currency.allCases.map(\.rawValue).joined(separator: ", "))"
        ) { CreditPrices.defaults.overridden(by: $0) }
        payments.providerTimeout = try reader.seconds("LOOKOUT_PAYMENT_TIMEOUT_SECONDS", default: payments.providerTimeout, in: 0.001...600)
        reconciler.interval = try reader.seconds("LOOKOUT_PAYMENT_RECONCILE_SECONDS", default: reconciler.interval, in: 0.1...3600)
        reconciler.pendingGrace = try reader.seconds(
            "LOOKOUT_PAYMENT_PENDING_GRACE_SECONDS", default: payments.providerTimeout + .seconds(50), in: 0.001...86_400
        )
        if reconciler.pendingGrace <= payments.providerTimeout {
            throw ConfigurationError(
                variable: "LOOKOUT_PAYMENT_PENDING_GRACE_SECONDS", value: "\(reconciler.pendingGrace.timeInterval)",
                allowed: "more than LOOKOUT_PAYMENT_TIMEOUT_SECONDS (\(payments.providerTimeout.timeInterval)): a live request keeps its payment pending that long"
            )
        }
        passwordHashRounds = try reader.integer(
            "LOOKOUT_PASSWORD_HASH_ROUNDS", default: passwordHashRounds, in: PasswordHasher.minimumRounds...10_000_000,
            allowed: "an integer of at least \(PasswordHasher.minimumRounds)"
        )
        accounts.maxSessionsPerUser = try reader.integer(
            "LOOKOUT_MAX_SESSIONS_PER_USER", default: accounts.maxSessionsPerUser, in: 1...1000, allowed: "an integer 1-1000"
        )
        passwordHashQueue = try reader.integer("LOOKOUT_PASSWORD_HASH_QUEUE", default: passwordHashQueue, in: 1...10_000, allowed: "an integer 1-10000")
        rateLimits.auth = try reader.value("LOOKOUT_RATE_LIMIT_AUTH", default: rateLimits.auth, allowed: Self.rateLimitSyntax, parse: Self.parseRateLimit)
        rateLimits.status = try reader.value("LOOKOUT_RATE_LIMIT_STATUS", default: rateLimits.status, allowed: Self.rateLimitSyntax, parse: Self.parseRateLimit)
        accounts.loginFailureLimit = try reader.value(
            "LOOKOUT_RATE_LIMIT_LOGIN_FAILURES", default: accounts.loginFailureLimit, allowed: Self.rateLimitSyntax, parse: Self.parseRateLimit
        )
        rateLimits.trustedProxyHops = try reader.integer(
            "LOOKOUT_TRUSTED_PROXY_HOPS", default: rateLimits.trustedProxyHops, in: 0...10, allowed: "the number of proxies in front that append to X-Forwarded-For, 0-10"
        )
        rateLimits.maxClients = try reader.integer("LOOKOUT_RATE_LIMIT_MAX_CLIENTS", default: rateLimits.maxClients, in: 100...10_000_000, allowed: "an integer 100-10000000")
        http.maxBodyBytes = try reader.integer("LOOKOUT_MAX_BODY_BYTES", default: http.maxBodyBytes, in: 1024...(64 << 20), allowed: "an integer 1024-67108864")
        http.workerHeartbeatMaxAge = try reader.seconds("LOOKOUT_WORKER_HEARTBEAT_MAX_AGE_SECONDS", default: http.workerHeartbeatMaxAge, in: 1...86400)
        metrics.enabled = try reader.boolean("LOOKOUT_METRICS_ENABLED", default: metrics.enabled)
        let bearer = try reader.optional("LOOKOUT_METRICS_BEARER_TOKEN", allowed: "a token of at least 16 characters") {
            $0.count >= 16 ? $0 : nil
        }
        let basic = try reader.optional("LOOKOUT_METRICS_BASIC_AUTH", allowed: "user:password with a password of at least 12 characters") {
            let parts = $0.split(separator: ":", maxSplits: 1).map(String.init)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].count >= 12 ? (parts[0], parts[1]) : nil
        }
        switch (bearer, basic) {
        case (let token?, nil): metrics.access = .bearer(token: token)
        case (nil, let credentials?): metrics.access = .basic(username: credentials.0, password: credentials.1)
        case (nil, nil): metrics.access = .open
        case (_?, _?):
            throw ConfigurationError(variable: "LOOKOUT_METRICS_BASIC_AUTH", value: "(set)", allowed: "either LOOKOUT_METRICS_BEARER_TOKEN or LOOKOUT_METRICS_BASIC_AUTH, not both")
        }
        metrics.allowPublic = try reader.boolean("LOOKOUT_METRICS_PUBLIC", default: metrics.allowPublic)
        if metrics.enabled, metrics.access == .open, !metrics.allowPublic, !Self.isLoopback(httpHost) {
            // Metrics name routes, queue depths, versions and business figures: not for whoever reaches the port.
            throw ConfigurationError(
                variable: "LOOKOUT_METRICS_PUBLIC", value: "false",
                allowed: "true to serve /metrics without credentials on LOOKOUT_HTTP_HOST=\(httpHost); or protect it with LOOKOUT_METRICS_BEARER_TOKEN or LOOKOUT_METRICS_BASIC_AUTH, or bind 127.0.0.1"
            )
        }
        metrics.excludedPaths = try reader.value("LOOKOUT_METRICS_EXCLUDED_PATHS", default: metrics.excludedPaths, allowed: "comma-separated paths starting with /, e.g. /metrics,/health*") {
            let paths = $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return paths.allSatisfy { $0.hasPrefix("/") } ? paths : nil
        }
        metrics.maxSeriesPerFamily = try reader.integer("LOOKOUT_METRICS_MAX_SERIES_PER_FAMILY", default: metrics.maxSeriesPerFamily, in: 10...100_000, allowed: "an integer 10-100000")
        metrics.workerPort = try reader.integer("LOOKOUT_WORKER_METRICS_PORT", default: metrics.workerPort, in: 0...65535, allowed: "an integer 0-65535 (0 = any free port)")
        prober.enabled = try reader.boolean("LOOKOUT_PROBER_ENABLED", default: prober.enabled)
        prober.checksFilePath = try reader.optional("LOOKOUT_PROBER_CHECKS_FILE", allowed: "the path of a YAML checks file") { $0.isEmpty ? nil : $0 }
        prober.baseURL = try reader.optional("LOOKOUT_PROBER_BASE_URL", allowed: "an http:// or https:// URL, e.g. http://127.0.0.1:8080") {
            guard let url = URL(string: $0), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return nil }
            return url
        }
        prober.interval = try reader.seconds("LOOKOUT_PROBER_INTERVAL_SECONDS", default: prober.interval, in: 1...86_400)
        prober.timeout = try reader.seconds("LOOKOUT_PROBER_TIMEOUT_SECONDS", default: prober.timeout, in: 0.01...600)
        if prober.timeout > prober.interval {
            throw ConfigurationError(
                variable: "LOOKOUT_PROBER_TIMEOUT_SECONDS", value: "\(prober.timeout)", allowed: "at most LOOKOUT_PROBER_INTERVAL_SECONDS (runs would pile up)"
            )
        }
        prober.failuresToConfirm = try reader.integer("LOOKOUT_PROBER_FAILURES_TO_CONFIRM", default: prober.failuresToConfirm, in: 1...100, allowed: "an integer 1-100")
        let probeEmail = try reader.optional("LOOKOUT_PROBER_ACCOUNT_EMAIL", allowed: "an e-mail address") { $0.contains("@") ? $0.lowercased() : nil }
        let probePassword = try reader.optional("LOOKOUT_PROBER_ACCOUNT_PASSWORD", allowed: "a password of at least 12 characters") { $0.count >= 12 ? $0 : nil }
        switch (probeEmail, probePassword) {
        case (let email?, let password?): prober.account = ProbeAccount(email: email, password: password)
        case (nil, nil): prober.account = nil
        case (nil, _?):
            throw ConfigurationError(variable: "LOOKOUT_PROBER_ACCOUNT_EMAIL", value: "", allowed: "an e-mail address, set together with LOOKOUT_PROBER_ACCOUNT_PASSWORD")
        case (_?, nil):
            throw ConfigurationError(variable: "LOOKOUT_PROBER_ACCOUNT_PASSWORD", value: "", allowed: "a password, set together with LOOKOUT_PROBER_ACCOUNT_EMAIL")
        }
        slaRetention.dayDays = Int64(
            try reader.integer("LOOKOUT_SLA_HISTORY_DAYS", default: Int(slaRetention.dayDays), in: 90...36500, allowed: "a number of days 90-36500")
        )
        statusCacheMaxAge = try reader.seconds("LOOKOUT_STATUS_CACHE_SECONDS", default: statusCacheMaxAge, in: 0...300)
        slaPrometheusURL = try reader.optional("LOOKOUT_SLA_PROMETHEUS_URL", allowed: "an http:// or https:// URL, e.g. http://prometheus:9090") {
            guard let url = URL(string: $0), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return nil }
            return url
        }
        sloFilePath = try reader.optional("LOOKOUT_SLO_FILE", allowed: "the path of a YAML SLO file") { $0.isEmpty ? nil : $0 }
        adminToken = try reader.optional("LOOKOUT_ADMIN_TOKEN", allowed: "a token of at least 16 characters (e.g. openssl rand -hex 24)") {
            $0.count >= 16 ? $0 : nil
        }
        adminCrashRoute = try reader.boolean("LOOKOUT_ADMIN_CRASH_ROUTE", default: adminCrashRoute)
        prober.token = try reader.optional("LOOKOUT_PROBER_TOKEN", allowed: "a token of at least 16 characters (e.g. openssl rand -hex 24)") {
            $0.count >= 16 ? $0 : nil
        }
        prober.metricsPort = try reader.integer("LOOKOUT_PROBER_METRICS_PORT", default: prober.metricsPort, in: 0...65535, allowed: "an integer 0-65535 (0 = any free port)")
        deploymentEnvironment = try reader.string("LOOKOUT_ENVIRONMENT", default: deploymentEnvironment, allowed: "a deployment name, e.g. development, staging or production")
        paymentProvider = try reader.value(
            "LOOKOUT_PAYMENT_PROVIDER", default: paymentProvider, allowed: PaymentProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
        ) { PaymentProviderKind(rawValue: $0.lowercased()) }
        sandboxInProduction = try reader.boolean("LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION", default: sandboxInProduction)
        sandboxLedgerPath = try reader.optional("LOOKOUT_PAYMENT_SANDBOX_LEDGER", allowed: "the path of a file the sandbox may create and append to") {
            $0.isEmpty ? nil : $0
        }
        buildRevision = try reader.string("LOOKOUT_BUILD_REVISION", default: buildRevision, allowed: "a source revision, e.g. a git commit")
        sentry = try SentryOptions(reading: &reader)
        try reader.rejectUnknown()
        if sentry.release == nil { sentry.release = "lookout@\(BuildInfo.version)" }
    }

    /// The checks only the process that takes payments (`backend`) needs: the sandbox provider is refused in
    /// production unless allowed on purpose.
    public func checkPaymentProvider() throws(ConfigurationError) {
        guard paymentProvider == .sandbox, deploymentEnvironment.lowercased() == "production", !sandboxInProduction else { return }
        throw ConfigurationError(
            variable: "LOOKOUT_PAYMENT_PROVIDER", value: paymentProvider.rawValue,
            allowed: "a real payment provider when LOOKOUT_ENVIRONMENT=production: the sandbox grants credits for tok_visa and fails on demand; set LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION=true for a demonstration stack"
        )
    }

    /// The provider ``paymentProvider`` names, as `backend` takes payments through it.
    public func makePaymentProvider() throws(ConfigurationError) -> any PaymentProvider {
        switch paymentProvider {
        case .sandbox:
            guard let sandboxLedgerPath else { return SandboxPaymentProvider() }
            do {
                return try SandboxPaymentProvider(ledgerPath: sandboxLedgerPath)
            } catch {
                throw ConfigurationError(
                    variable: "LOOKOUT_PAYMENT_SANDBOX_LEDGER", value: sandboxLedgerPath,
                    allowed: "a file the sandbox can create, read and append to, holding only its own lines (\(error.problem))"
                )
            }
        }
    }

    /// Reads the files the settings name: the SLO file and, when `checks` is true, the prober's checks file. A bad
    /// file stops start-up with its file, line, column and field.
    public mutating func loadFiles(checks: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigFileError) {
        if let sloFilePath { slo = try SLOFile.load(path: sloFilePath) }
        if checks { try prober.loadChecksFile(environment: environment) }
    }

    /// `127.0.0.1` and the rest of 127/8, `::1`, `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    static let rateLimitSyntax = "N/PERIOD with PERIOD in s, m or h (e.g. 20/1m: 20 at once, then 20 a minute), or off"

    /// `off` → no limit (`.some(nil)`); `N/PERIOD` → that limit; anything else → nil (refused).
    static func parseRateLimit(_ raw: String) -> RateLimit?? {
        if raw.lowercased() == "off" { return .some(nil) }
        return RateLimit(parsing: raw).map { .some($0) }
    }

    static func parseDatabaseURL(_ raw: String) -> SQLiteStorage.Location? {
        if raw == "sqlite::memory:" { return .inMemory }
        guard raw.hasPrefix("sqlite://") else { return nil }
        let path = String(raw.dropFirst("sqlite://".count))
        return path.isEmpty ? nil : .file(path: path)
    }
}
