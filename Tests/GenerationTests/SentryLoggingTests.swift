import GenerationApp
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
