import Foundation
import Logging
import LookoutSentry
import Testing

@Suite struct SentryLogHandlerTests {
    static func client() -> (SentryClient, CollectingSink) {
        let sink = CollectingSink()
        return (SentryClient(options: SentryOptions(dsn: try! DSN("http://key@127.0.0.1:9/1")), sink: sink), sink)
    }

    static func payload(_ envelope: Envelope) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(envelope.items[0].payload)) as? [String: Any])
    }

    @Test func errorLinesBecomeEventsWithTheirMetadataAndEarlierLinesAsBreadcrumbs() async throws {
        let (client, sink) = Self.client()
        let logger = Logger(label: "lookout.worker") { SentryLogHandler(label: $0, client: client) }
        await ScopeBox.withScope(ScopeBox()) {
            logger.debug("below the breadcrumb level")
            logger.info("claimed a job", metadata: ["job_id": "7"])
            logger.warning("slow generator", metadata: ["seconds": "12"])
            logger.error("job failed for good", metadata: ["job_id": "7", "token": "t0k3n"])
        }
        #expect(sink.envelopes.count == 1)
        let event = try Self.payload(try #require(sink.envelopes.first))
        #expect(event["logger"] as? String == "lookout.worker")
        #expect((event["logentry"] as? [String: Any])?["formatted"] as? String == "job failed for good")
        #expect(event["extra"] as? [String: String] == ["job_id": "7", "token": Scrubber.filtered])
        let crumbs = ((event["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
        #expect(crumbs.compactMap { $0["message"] as? String } == ["claimed a job", "slow generator"])
        #expect(crumbs.map { $0["level"] as? String } == ["info", "warning"])
    }

    @Test func theSentryClientsOwnTroubleNeverBecomesAnEvent() {
        let (client, sink) = Self.client()
        let logger = Logger(label: "lookout.sentry.transport") { SentryLogHandler(label: $0, client: client) }
        logger.error("Sentry spool unusable")
        logger.critical("still unusable")
        #expect(sink.envelopes.isEmpty)
    }

    @Test func aFilterKeepsChosenLinesAsBreadcrumbs() async {
        let (client, sink) = Self.client()
        var configuration = SentryLogHandler.Configuration()
        configuration.capturesEvent = { _, message in message != "request" }
        let logger = Logger(label: "access") { SentryLogHandler(label: $0, client: client, configuration: configuration) }
        await ScopeBox.withScope(ScopeBox()) {
            logger.error("request", metadata: ["status": "502"])
        }
        #expect(sink.envelopes.isEmpty)
    }
}
