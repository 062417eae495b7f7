import Foundation
@testable import GenerationApp
import GenerationHTTP
import Logging
import LookoutSentry
import Testing

/// The Sentry log handler never asks for lines the process does not log: a logger's level is the lowest of its
/// handlers', so an `info` breadcrumb level under logs at `warning` would make every `info` line (the access log's,
/// once per request) be built only to become a breadcrumb.
@Suite struct SentryLoggingTests {
    static func setup() throws -> SentrySetup {
        SentrySetup(options: SentryOptions(dsn: try DSN("http://public@127.0.0.1:9/1")))
    }

    @Test func underLogsAtWarningNoInfoLineIsBuiltForSentry() throws {
        let handler = try #require(try Self.setup().logHandler(label: "test", level: .warning))
        #expect(handler.logLevel == .warning)
        // As LoggingSetup does it: the process's handler at warning, beside Sentry's.
        var plain = StreamLogHandler.standardOutput(label: "test")
        plain.logLevel = .warning
        let logger = Logger(label: "test") { _ in MultiplexLogHandler([plain, handler]) }
        var built = false
        logger.info("\(Self.mark(&built))")
        #expect(!built, "the info line's message was built")
    }

    @Test func underLogsAtInfoLinesFromInfoAreBreadcrumbs() throws {
        let handler = try #require(try Self.setup().logHandler(label: "test", level: .info))
        #expect(handler.logLevel == .info)
    }

    @Test func theAccessLogMakesNoBreadcrumbOtherInfoLinesDo() async throws {
        let handler = try #require(try Self.setup().logHandler(label: "test", level: .info))
        let logger = Logger(label: "test") { _ in handler }
        let scope = ScopeBox(Scope())
        await ScopeBox.withScope(scope) {
            logger.info("\(RequestLoggingMiddleware.message)", metadata: ["status": "200"])
            logger.info("payment approved")
        }
        #expect(scope.scope.breadcrumbs.map(\.message) == ["payment approved"])
    }

    static func mark(_ built: inout Bool) -> String {
        built = true
        return "built"
    }
}

/// The process's output and Sentry's handler behind one logger: metadata set on the logger reaches both with each
/// line, and each handler keeps its own level.
@Suite struct FanOutLogHandlerTests {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var lines: [(String, Logger.Metadata)] = []
        func append(_ line: (String, Logger.Metadata)) { lock.withLock { lines.append(line) } }
        var all: [(String, Logger.Metadata)] { lock.withLock { lines } }
    }

    struct Recording: LogHandler {
        let name: String
        let lines: Lines
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.append(("\(name): \(event.message)", metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }

    @Test func metadataReachesEveryHandlerAndEachKeepsItsLevel() {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in
            FanOutLogHandler([Recording(name: "out", lines: lines, logLevel: .info), Recording(name: "sentry", lines: lines, logLevel: .warning)])
        }
        #expect(logger.logLevel == .info)
        logger[metadataKey: "request_id"] = "r-1"
        logger.info("hello", metadata: ["status": "200"])
        logger.warning("careful")
        let seen = lines.all
        #expect(seen.map(\.0) == ["out: hello", "out: careful", "sentry: careful"])
        #expect(seen[0].1 == ["request_id": "r-1", "status": "200"])
        #expect(seen[2].1 == ["request_id": "r-1"])
    }
}

/// JSON log lines are written by hand for speed; they must stay what a general encoder writes.
@Suite struct JSONLogLineTests {
    @Test func theTimestampIsFoundationsISO8601WithMilliseconds() {
        for seconds in [0.0, 1_764_587_195.123, 1_764_587_195.9996, 951_782_400.5, 4_102_444_799.001] {
            let date = Date(timeIntervalSince1970: seconds)
            let foundation = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            #expect(JSONLogHandler.timestamp(date) == foundation, "\(seconds)")
        }
    }

    @Test func aLineIsOneJSONObjectWithTheFixedMembersFirst() throws {
        var handler = JSONLogHandler(label: "lookout.http", level: .info)
        handler[metadataKey: "request_id"] = "r-1"
        let event = LogEvent(
            level: .info, message: "request \"quoted\"", metadata: ["status": "200", "message": "shadowed", "route": "/api/v1/me"],
            source: "test", file: #fileID, function: #function, line: #line
        )
        let line = handler.render(event, at: Date(timeIntervalSince1970: 1_764_587_195.5))
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"timestamp":"2025-12-01T11:06:35.500Z","level":"info","label":"lookout.http","message":"request \"quoted\"","#))
        #expect(text.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(object == [
            "timestamp": "2025-12-01T11:06:35.500Z", "level": "info", "label": "lookout.http", "message": "request \"quoted\"",
            "request_id": "r-1", "route": "/api/v1/me", "status": "200",
        ])
        #expect(text.range(of: "request_id")!.lowerBound < text.range(of: "route")!.lowerBound)
    }

    @Test func nestedMetadataIsWrittenAsSortedJSON() throws {
        var bytes: [UInt8] = []
        let value: Logger.Metadata.Value = .dictionary([
            "route": "/api/v1/me", "quote\"d": .array(["a\nb", .stringConvertible(42)]), "nested": .dictionary(["z": "1", "a": "2"]),
        ])
        JSONLogHandler.append(value, into: &bytes)
        let reference = try JSONSerialization.data(
            withJSONObject: ["route": "/api/v1/me", "quote\"d": ["a\nb", "42"], "nested": ["z": "1", "a": "2"]], options: [.sortedKeys, .withoutEscapingSlashes]
        )
        #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
    }
}
