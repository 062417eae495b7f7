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
    /// Share of transactions sent, 0…1. `SENTRY_TRACES_SAMPLE_RATE`, default 0 (tracing off).
    public var tracesSampleRate = 0.0
    /// Decides a transaction's sample rate from its name; overrides ``tracesSampleRate`` when set.
    public var tracesSampler: (@Sendable (_ transactionName: String) -> Double)?
    /// Breadcrumbs kept per scope. `SENTRY_MAX_BREADCRUMBS`, default 100.
    public var maxBreadcrumbs = 100
    /// Send user e-mail, user name and IP address. `SENTRY_SEND_DEFAULT_PII`, default false.
    public var sendDefaultPII = false
    /// Last look at an error event before it is queued; return nil to drop it.
    public var beforeSend: (@Sendable (SentryEvent) -> SentryEvent?)?
    /// Last look at a transaction before it is queued; return nil to drop it.
    public var beforeSendTransaction: (@Sendable (SentryTransaction) -> SentryTransaction?)?
    /// Last look at a breadcrumb before it is recorded; return nil to drop it.
    public var beforeBreadcrumb: (@Sendable (Breadcrumb) -> Breadcrumb?)?
    /// Envelopes waiting in memory before the oldest are dropped (and counted). `SENTRY_QUEUE_SIZE`, default 1000.
    public var queueSize = 1000
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

    /// A setting that cannot be used; the message names the variable and what is allowed.
    public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        public var variable: String
        public var message: String
        public var description: String { "invalid Sentry configuration: \(variable): \(message)" }
    }

    /// Reads the `SENTRY_*` variables over the defaults.
    public init(environment variables: [String: String]) throws(ConfigurationError) {
        self.init()
        func value(_ name: String) -> String? {
            guard let raw = variables[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func fraction(_ name: String, _ fallback: Double) throws(ConfigurationError) -> Double {
            guard let raw = value(name) else { return fallback }
            guard let number = Double(raw), (0...1).contains(number) else {
                throw ConfigurationError(variable: name, message: "\"\(raw)\" is not a number from 0 to 1")
            }
            return number
        }
        func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let raw = value(name) else { return fallback }
            guard let number = Int(raw), range.contains(number) else {
                throw ConfigurationError(variable: name, message: "\"\(raw)\" is not an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func boolean(_ name: String, _ fallback: Bool) throws(ConfigurationError) -> Bool {
            guard let raw = value(name) else { return fallback }
            switch raw.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationError(variable: name, message: "\"\(raw)\" is not true or false")
            }
        }

        if let raw = value("SENTRY_DSN") {
            do {
                dsn = try DSN(raw)
            } catch {
                throw ConfigurationError(variable: "SENTRY_DSN", message: error.description)
            }
        }
        release = value("SENTRY_RELEASE")
        environment = value("SENTRY_ENVIRONMENT") ?? self.environment
        serverName = value("SENTRY_SERVER_NAME") ?? serverName
        sampleRate = try fraction("SENTRY_SAMPLE_RATE", sampleRate)
        tracesSampleRate = try fraction("SENTRY_TRACES_SAMPLE_RATE", tracesSampleRate)
        maxBreadcrumbs = try integer("SENTRY_MAX_BREADCRUMBS", maxBreadcrumbs, 0...1000)
        sendDefaultPII = try boolean("SENTRY_SEND_DEFAULT_PII", sendDefaultPII)
        queueSize = try integer("SENTRY_QUEUE_SIZE", queueSize, 1...1_000_000)
        spoolDirectory = value("SENTRY_SPOOL_DIR")
        spoolMaxBytes = try integer("SENTRY_SPOOL_MAX_BYTES", spoolMaxBytes, 0...(1 << 40))
        shutdownTimeout = .seconds(try integer("SENTRY_SHUTDOWN_TIMEOUT", 2, 0...300))
        debug = try boolean("SENTRY_DEBUG", debug)
    }
}
