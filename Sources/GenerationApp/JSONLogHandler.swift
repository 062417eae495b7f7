import Foundation
import Logging
import LookoutJSON

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
        let line = render(event, at: Date())
        // One write(2) per line: lines from concurrent tasks never interleave.
        line.withUnsafeBytes { bytes in
            _ = write(STDOUT_FILENO, bytes.baseAddress, bytes.count)
        }
    }

    /// The line for `event`: the four fixed members, then the metadata (the logger's, the provider's, the line's, in
    /// that precedence) sorted by key, then a newline.
    func render(_ event: LogEvent, at date: Date) -> [UInt8] {
        // A line's metadata usually arrives merged already (by `FanOutLogHandler`): no copy then.
        var merged = event.metadata ?? [:]
        if !metadata.isEmpty || metadataProvider != nil {
            merged = metadata
            if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
            if let extra = event.metadata { merged.merge(extra) { $1 } }
        }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line += Self.timestampKey
        Self.writeTimestamp(date, into: &line)
        line += Self.levelKey
        JSONText.write(string: event.level.rawValue, into: &line)
        line += Self.labelKey
        JSONText.write(string: label, into: &line)
        line += Self.messageKey
        JSONText.write(string: event.message.description, into: &line)
        for key in merged.keys.sorted() where !Self.reserved.contains(key) {
            line.append(UInt8(ascii: ","))
            JSONText.write(string: key, into: &line)
            line.append(UInt8(ascii: ":"))
            Self.append(merged[key]!, into: &line)
        }
        line += [UInt8(ascii: "}"), 0x0A]
        return line
    }

    private static let timestampKey = Array(#"{"timestamp":""#.utf8)
    private static let levelKey = Array(#"","level":"#.utf8)
    private static let labelKey = Array(#","label":"#.utf8)
    private static let messageKey = Array(#","message":"#.utf8)

    /// The members every line has; metadata of the same name gives way.
    private static let reserved: Set<String> = ["timestamp", "level", "label", "message"]

    /// Writes JSON directly, keys sorted (``JSONText``): `JSONSerialization` bridged every line to Objective-C objects
    /// and was most of the cost of logging a request (BENCHMARKS.md).
    static func append(_ value: Logger.Metadata.Value, into bytes: inout [UInt8]) {
        switch value {
        case .string(let string): JSONText.write(string: string, into: &bytes)
        case .stringConvertible(let convertible): JSONText.write(string: convertible.description, into: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONText.write(string: key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(members[key]!, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// ISO 8601 in UTC with milliseconds (`2026-12-01T11:06:35.123Z`).
    static func timestamp(_ date: Date) -> String {
        var bytes: [UInt8] = []
        writeTimestamp(date, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes ``timestamp(_:)``'s digits straight into the line: Foundation's format style was a tenth of a line's
    /// cost, and building it from strings most of the rest.
    static func writeTimestamp(_ date: Date, into bytes: inout [UInt8]) {
        let since1970 = date.timeIntervalSince1970
        var seconds = time_t(since1970.rounded(.down))
        let milliseconds = min(999, Int((since1970 - Double(seconds)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        bytes.append(UInt8(ascii: "."))
        digits(milliseconds, 3)
        bytes.append(UInt8(ascii: "Z"))
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
