import LookoutConfiguration
import Foundation

/// Everything the Sentry client can be told, with sentry-python's defaults where they are right.
///
/// Read from the environment by ``init(environment:)`` (the `SENTRY_*` variables below) or set in code. No DSN means
/// Sentry is disabled and the client does no work per request.
public struct SentryOptions: Sendable {
    /// Where events go. `SENTRY_DSN`; unset or empty: disabled.
    public var dsn: DSN?
    /// `SENTRY_RELEASE`; default: the application's version, set by the caller.
    public var release: String?
    /// `SENTRY_ENVIRONMENT`, default `production`.
    public var environment = "production"
    /// `SENTRY_SERVER_NAME`, default the host name.
    public var serverName: String? = ProcessInfo.processInfo.hostName
    /// Share of error events sent, 0…1. `SENTRY_SAMPLE_RATE`, default 1.
    public var sampleRate = 1.0
    /// Share of transactions sent, 0…1. `SENTRY_TRACES_SAMPLE_RATE`; unset (the default) turns tracing off: no
    /// transaction is recorded, and the trace is still continued with the decision left to downstream services (a rate
    /// of 0 would tell them not to trace). Errors carry their trace either way.
    public var tracesSampleRate: Double?
    /// Decides each transaction's sample rate from its ``SamplingContext`` (name, op, the caller's decision and rate,
    /// request attributes); when set, it wins over ``tracesSampleRate`` and over the caller's decision (return
    /// `context.parentSampled.map { $0 ? 1 : 0 } ?? 0.1` to follow callers).
    public var tracesSampler: (@Sendable (SamplingContext) -> Double)?
    /// Release health: count each request and job as a session and send the counts every minute.
    /// `SENTRY_AUTO_SESSION_TRACKING`, default true; sessions also need a release (`SENTRY_RELEASE`).
    public var autoSessionTracking = true
    /// The hosts outgoing requests carry `sentry-trace` and `baggage` to (and `traceparent`): a host matches an entry
    /// equal to it or that it ends with after a dot (`example.com` matches `api.example.com`); `*` matches any. Nil (the
    /// default, as Sentry's `.*`): every host. A third-party API then learns nothing of the trace, the release or the
    /// route. `SENTRY_TRACE_PROPAGATION_TARGETS` (comma-separated). Requests whose host cannot be known (a carrier
    /// other than AsyncHTTPClient's headers, such as a queued job's) always carry them.
    public var tracePropagationTargets: [String]?
    /// Send W3C `traceparent` beside `sentry-trace` on outgoing requests. `SENTRY_PROPAGATE_TRACEPARENT`, default false
    /// (an incoming `traceparent` is always read).
    public var propagateTraceparent = false

    /// Whether sessions are counted: Sentry is enabled, session tracking is on and a release is set (Sentry drops
    /// sessions without one).
    public var tracksSessions: Bool { isEnabled && autoSessionTracking && release != nil }

    /// Whether transactions may be recorded at all: a rate or a sampler is set.
    public var tracingEnabled: Bool { tracesSampleRate != nil || tracesSampler != nil }
    /// Breadcrumbs kept per scope. `SENTRY_MAX_BREADCRUMBS`, default 100.
    public var maxBreadcrumbs = 100
    /// Attach the stack where an event is captured (as the current thread's) to every event; errors that record where
    /// they were made (`BacktraceCarrying`) carry that stack as well, in the exception. `SENTRY_ATTACH_STACKTRACE`,
    /// default true.
    public var attachStacktrace = true
    /// Which stack frames are the application's (`in_app`), by module, and whether they carry files and lines.
    /// `SENTRY_IN_APP_INCLUDE`, `SENTRY_IN_APP_EXCLUDE`, `SENTRY_STACKTRACE_SOURCE_LOCATIONS`.
    public var inApp = InAppRule()
    /// Send user e-mail, user name and IP address. `SENTRY_SEND_DEFAULT_PII`, default false.
    public var sendDefaultPII = false
    /// Error types never reported, by name: an event whose exception has one of these types (`CancellationError`, a
    /// nested type by its own name or its path: `Importer.Skipped`, `Skipped`) or module-qualified types
    /// (`GenerationCore.ServiceError`) is dropped before any work, counted as `event_processor`.
    /// `SENTRY_IGNORE_ERRORS` (comma-separated), default none.
    public var ignoreErrors: [String] = []
    /// Last look at an error event before it is queued; return nil to drop it.
    public var beforeSend: (@Sendable (SentryEvent) -> SentryEvent?)?
    /// Last look at a transaction before it is queued; return nil to drop it.
    public var beforeSendTransaction: (@Sendable (SentryTransaction) -> SentryTransaction?)?
    /// Last look at a breadcrumb before it is recorded; return nil to drop it.
    public var beforeBreadcrumb: (@Sendable (Breadcrumb) -> Breadcrumb?)?
    /// Envelopes waiting in memory before the oldest are dropped (and counted). `SENTRY_QUEUE_SIZE`, default 1000.
    public var queueSize = 1000
    /// Payload bytes waiting in memory before the oldest envelopes are dropped (and counted), whatever their number:
    /// a storm of large events cannot take more. `SENTRY_QUEUE_MAX_BYTES`, default 16 MiB.
    public var queueMaxBytes = 16 << 20
    /// Folder where envelopes wait while Sentry cannot be reached, surviving restarts. `SENTRY_SPOOL_DIR`; unset: no spool.
    public var spoolDirectory: String?
    /// Largest total size of the spool; beyond it the oldest envelopes are dropped (and counted).
    /// `SENTRY_SPOOL_MAX_BYTES`, default 50 MiB.
    public var spoolMaxBytes = 50 << 20
    /// How long graceful shutdown waits for queued envelopes. `SENTRY_SHUTDOWN_TIMEOUT` (seconds), default 2.
    public var shutdownTimeout: Duration = .seconds(2)
    /// Log what the client does. `SENTRY_DEBUG`, default false.
    public var debug = false

    public init(dsn: DSN? = nil) {
        self.dsn = dsn
    }

    /// Whether anything will be sent at all.
    public var isEnabled: Bool { dsn != nil }

    /// Reads the `SENTRY_*` variables over the defaults; an unknown one within two edits of a known one is refused as
    /// a typo (others, such as sentry-cli's `SENTRY_AUTH_TOKEN`, are left alone).
    public init(environment variables: [String: String]) throws(ConfigurationError) {
        var reader = EnvironmentReader(environment: variables, secrets: ["SENTRY_DSN"])
        try self.init(reading: &reader)
        try reader.rejectUnknown()
    }

    /// Reads the `SENTRY_*` variables through an app's reader, so that one reader knows every setting.
    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        self.init()
        // A blank value is no value (a template may leave one empty): the default stays, as with sentry-python.
        func given(_ name: String) -> String? {
            reader.markKnown(name)
            guard let raw = reader.environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        if let raw = given("SENTRY_DSN") {
            do {
                dsn = try DSN(raw)
            } catch {
                throw ConfigurationError(
                    variable: "SENTRY_DSN", value: reader.shown("SENTRY_DSN", raw),
                    allowed: "a DSN like https://<public key>@<host>/<project id> (\(error.description))"
                )
            }
        }
        release = given("SENTRY_RELEASE")
        environment = given("SENTRY_ENVIRONMENT") ?? environment
        serverName = given("SENTRY_SERVER_NAME") ?? serverName
        spoolDirectory = given("SENTRY_SPOOL_DIR")
        if given("SENTRY_SAMPLE_RATE") != nil { sampleRate = try reader.fraction("SENTRY_SAMPLE_RATE", default: sampleRate) }
        if given("SENTRY_TRACES_SAMPLE_RATE") != nil { tracesSampleRate = try reader.fraction("SENTRY_TRACES_SAMPLE_RATE", default: 0) }
        if given("SENTRY_AUTO_SESSION_TRACKING") != nil {
            autoSessionTracking = try reader.boolean("SENTRY_AUTO_SESSION_TRACKING", default: autoSessionTracking)
        }
        if let raw = given("SENTRY_TRACE_PROPAGATION_TARGETS") { tracePropagationTargets = commaSeparated(raw) }
        if given("SENTRY_PROPAGATE_TRACEPARENT") != nil {
            propagateTraceparent = try reader.boolean("SENTRY_PROPAGATE_TRACEPARENT", default: propagateTraceparent)
        }
        if given("SENTRY_MAX_BREADCRUMBS") != nil {
            maxBreadcrumbs = try reader.integer("SENTRY_MAX_BREADCRUMBS", default: maxBreadcrumbs, in: 0...1000, allowed: "an integer from 0 to 1000")
        }
        if given("SENTRY_SEND_DEFAULT_PII") != nil { sendDefaultPII = try reader.boolean("SENTRY_SEND_DEFAULT_PII", default: sendDefaultPII) }
        if given("SENTRY_QUEUE_SIZE") != nil {
            queueSize = try reader.integer("SENTRY_QUEUE_SIZE", default: queueSize, in: 1...1_000_000, allowed: "an integer from 1 to 1000000")
        }
        if given("SENTRY_QUEUE_MAX_BYTES") != nil {
            queueMaxBytes = try reader.integer(
                "SENTRY_QUEUE_MAX_BYTES", default: queueMaxBytes, in: (64 << 10)...(1 << 34), allowed: "a number of bytes from 65536 (64 KiB) to 2^34")
        }
        if given("SENTRY_SPOOL_MAX_BYTES") != nil {
            spoolMaxBytes = try reader.integer("SENTRY_SPOOL_MAX_BYTES", default: spoolMaxBytes, in: 0...(1 << 40), allowed: "a number of bytes from 0 to 2^40")
        }
        if given("SENTRY_SHUTDOWN_TIMEOUT") != nil {
            shutdownTimeout = try reader.seconds("SENTRY_SHUTDOWN_TIMEOUT", default: shutdownTimeout, in: 0...300)
        }
        if given("SENTRY_DEBUG") != nil { debug = try reader.boolean("SENTRY_DEBUG", default: debug) }
        if given("SENTRY_ATTACH_STACKTRACE") != nil { attachStacktrace = try reader.boolean("SENTRY_ATTACH_STACKTRACE", default: attachStacktrace) }
        func commaSeparated(_ raw: String) -> [String] { raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let raw = given("SENTRY_IGNORE_ERRORS") { ignoreErrors = commaSeparated(raw) }
        if let raw = given("SENTRY_IN_APP_INCLUDE") { inApp.include = commaSeparated(raw) }
        if let raw = given("SENTRY_IN_APP_EXCLUDE") { inApp.exclude += commaSeparated(raw) }
        if given("SENTRY_STACKTRACE_SOURCE_LOCATIONS") != nil {
            inApp.sourceLocations = try reader.boolean("SENTRY_STACKTRACE_SOURCE_LOCATIONS", default: inApp.sourceLocations)
        }
    }

    /// Whether ``ignoreErrors`` names the type of one of the event's exceptions.
    func ignores(_ event: SentryEvent) -> Bool {
        guard !ignoreErrors.isEmpty else { return false }
        return event.exceptions.contains { exception in
            ignoreErrors.contains { name in
                name == exception.type || exception.type.hasSuffix(".\(name)") || exception.module.map { "\($0).\(exception.type)" } == name
            }
        }
    }

    /// Whether an outgoing request to `host` carries the trace headers (``tracePropagationTargets``).
    public func propagatesTrace(toHost host: String) -> Bool {
        guard let targets = tracePropagationTargets else { return true }
        var host = host.lowercased()
        // `Host: api.example.com:8443` and `[::1]:8080` name the host before the port.
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]"), host.first == "[" || host.filter({ $0 == ":" }).count == 1 {
            host = String(host[..<colon])
        }
        return targets.contains { target in
            let target = target.lowercased()
            return target == "*" || target == ".*" || host == target || host.hasSuffix(".\(target)")
        }
    }
}
