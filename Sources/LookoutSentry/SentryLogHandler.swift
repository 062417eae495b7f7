import Logging

/// A swift-log `LogHandler` that feeds Sentry: log lines become breadcrumbs of the current unit of work (at
/// ``Configuration/breadcrumbLevel`` and above) and error events (at ``Configuration/eventLevel`` and above), with the
/// logger's metadata as data. Combine it with the process's own handler through `MultiplexLogHandler`.
///
/// An error line inside a request or job whose error an integration already captured (``Scope/capturedError``) becomes
/// a breadcrumb only, so one failure makes one event. Lines of the Sentry client's own loggers (`lookout.sentry…`) never
/// become events, so that trouble reaching Sentry cannot feed itself.
public struct SentryLogHandler: LogHandler {
    public struct Configuration: Sendable {
        /// Lines at this level and above become breadcrumbs. Default: info.
        public var breadcrumbLevel: Logger.Level = .info
        /// Lines at this level and above become events. Default: error.
        public var eventLevel: Logger.Level = .error
        /// Decides whether a line at ``eventLevel`` or above becomes an event (else it is a breadcrumb only), given the
        /// logger's label and the message. Default: every line. Use it for lines another integration already reports
        /// (an access log's 5xx lines, when ``SentryMiddleware`` captures failed requests).
        public var capturesEvent: @Sendable (_ label: String, _ message: String) -> Bool = { _, _ in true }
        /// Decides whether a line at ``breadcrumbLevel`` or above becomes a breadcrumb, given the logger's label and the
        /// message. Default: every line. Use it for lines written after the work they describe (an access log's line
        /// comes when the request's events are already sent, so its breadcrumb would never be read).
        public var recordsBreadcrumb: @Sendable (_ label: String, _ message: String) -> Bool = { _, _ in true }

        public init() {}
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let client: SentryClient
    private let configuration: Configuration

    public init(label: String, client: SentryClient, configuration: Configuration = Configuration()) {
        self.label = label
        self.client = client
        self.configuration = configuration
        self.logLevel = min(configuration.breadcrumbLevel, configuration.eventLevel)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        guard client.options.isEnabled, event.level >= logLevel else { return }
        let message = event.message.description
        let capturesEvent =
            event.level >= configuration.eventLevel && !label.hasPrefix("lookout.sentry") && !(ScopeBox.current?.capturedError ?? false)
            && configuration.capturesEvent(label, message)
        let recordsBreadcrumb = event.level >= configuration.breadcrumbLevel && configuration.recordsBreadcrumb(label, message)
        // The metadata is merged and converted only for a line that goes somewhere.
        guard capturesEvent || recordsBreadcrumb else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let data = merged.mapValues(Self.json)
        let level = Self.level(event.level)
        if capturesEvent {
            var sentryEvent = SentryEvent(level: level, message: message, extra: data)
            sentryEvent.logger = label
            if let error = event.error {
                sentryEvent.exceptions = [SentryException(error: error, handled: true, mechanismType: "logging")]
            }
            client.capture(event: sentryEvent)
        }
        if recordsBreadcrumb {
            client.addBreadcrumb(Breadcrumb(category: label, message: message, level: level, type: "log", data: data))
        }
    }

    static func level(_ level: Logger.Level) -> SentryLevel {
        switch level {
        case .trace, .debug: .debug
        case .info, .notice: .info
        case .warning: .warning
        case .error: .error
        case .critical: .fatal
        }
    }

    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }
}
