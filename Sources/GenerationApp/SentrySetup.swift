import Foundation
import GenerationHTTP
import Instrumentation
import Logging
import LookoutSentry
import Tracing

/// Sentry for one process: the client, its HTTP transport (a `Service`, run first in the group so that it stops
/// last and flushes what the draining services report), and what `main` installs globally.
///
/// With no `SENTRY_DSN` the client is disabled: nothing is installed and no work is done per request.
public struct SentrySetup: Sendable {
    public let client: SentryClient
    /// Nil when disabled.
    public let transport: HTTPTransport?

    /// - Parameter transportLogs: makes the transport's log handler. Give it the process's plain handler, never one that
    ///   feeds Sentry, so that trouble reaching Sentry is logged without being sent to Sentry.
    public init(
        options: SentryOptions, transportLogs: (String) -> any LogHandler = { StreamLogHandler.standardError(label: $0) },
        transportConfiguration: HTTPTransport.Configuration = .init()
    ) {
        let discards = DiscardCounter()
        if options.isEnabled {
            let transport = HTTPTransport(
                options: options, discards: discards, configuration: transportConfiguration,
                logger: Logger(label: "lookout.sentry.transport", factory: transportLogs)
            )
            self.transport = transport
            self.client = SentryClient(options: options, sink: transport, discards: discards)
        } else {
            self.transport = nil
            self.client = SentryClient(options: options, sink: DisabledSink(), discards: discards)
        }
    }

    public var isEnabled: Bool { client.options.isEnabled }

    /// Installs ``SentryTracer`` as the process's tracer, so that `withSpan` in the core and in AsyncHTTPClient reports to
    /// Sentry. Called once, by `main`, and only when Sentry is enabled.
    public func bootstrapTracing() {
        guard isEnabled else { return }
        InstrumentationSystem.bootstrap(SentryTracer(client: client))
    }

    /// The log handler that turns log lines into breadcrumbs and error events; nil when disabled. The access log's
    /// lines are neither: ``SentryMiddleware`` already captured the failed requests, with their error, and a line
    /// written after the request's events can only be a breadcrumb nobody reads.
    ///
    /// Lines under the process's `level` (`LOOKOUT_LOG_LEVEL`) make no breadcrumbs either, as in sentry-python's logging
    /// integration: with logs at `warning`, an `info` breadcrumb level would make every logger build every `info` line
    /// (the access log's, once per request) only to keep it in memory, about a fifth of the throughput of `GET /health`
    /// (BENCHMARKS.md).
    public func logHandler(label: String, level: Logger.Level = .trace) -> (any LogHandler)? {
        guard isEnabled else { return nil }
        var configuration = SentryLogHandler.Configuration()
        configuration.breadcrumbLevel = max(configuration.breadcrumbLevel, level)
        configuration.eventLevel = max(configuration.eventLevel, level)
        configuration.capturesEvent = { _, message in message != RequestLoggingMiddleware.message }
        // The access log's line comes after the request's own events: as a breadcrumb it would never be read.
        configuration.recordsBreadcrumb = { _, message in message != RequestLoggingMiddleware.message }
        return SentryLogHandler(label: label, client: client, configuration: configuration)
    }
}

/// Where a disabled client's envelopes would go: it never calls this.
struct DisabledSink: EnvelopeSink {
    func enqueue(_ envelope: Envelope) {}
}
