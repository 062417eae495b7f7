import Foundation
import Logging

/// Writes one JSON object per log line to standard output:
/// `{"timestamp":…,"level":…,"label":…,"message":…,<metadata…>}`. Metadata keys are flattened into the object.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { object[key] = Self.jsonValue(value) }
        object["timestamp"] = Self.timestamp()
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        // One write(2) per line: lines from concurrent tasks never interleave.
        data.withUnsafeBytes { bytes in
            _ = write(STDOUT_FILENO, bytes.baseAddress, bytes.count)
        }
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(jsonValue)
        case .dictionary(let dictionary): dictionary.mapValues(jsonValue)
        }
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Installs the process-wide log handler. Called once, by `main`; libraries never do.
public enum LoggingSetup {
    /// - Parameter sentry: when enabled, every logger also feeds Sentry (breadcrumbs from info, events from error; never
    ///   from lines under `level`).
    public static func bootstrap(format: AppConfiguration.LogFormat, level: Logger.Level, sentry: SentrySetup? = nil) {
        LoggingSystem.bootstrap { label in
            let plain = handler(label: label, format: format, level: level)
            guard let sentryHandler = sentry?.logHandler(label: label, level: level) else { return plain }
            return FanOutLogHandler([plain, sentryHandler])
        }
    }

    /// The process's own handler (standard output, text or JSON), without Sentry.
    public static func handler(label: String, format: AppConfiguration.LogFormat, level: Logger.Level) -> any LogHandler {
        switch format {
        case .json:
            return JSONLogHandler(label: label, level: level)
        case .text:
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
