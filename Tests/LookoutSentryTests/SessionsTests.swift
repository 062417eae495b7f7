import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

@testable import LookoutSentry

/// Release health: sessions counted per minute and sent as aggregates Relay accepts.
@Suite struct SessionsTests {
    static let dsn = try! DSN("http://key@127.0.0.1:9000/1")

    static func client(release: String? = "lookout@1.2.3", tracking: Bool = true) -> (SentryClient, CollectingSink) {
        var options = SentryOptions(dsn: dsn)
        options.release = release
        options.environment = "staging"
        options.autoSessionTracking = tracking
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink), sink)
    }

    /// 2026-12-02 18:30:00 UTC, and seconds after it.
    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_796_236_200 + seconds) }

    @Test func sessionsAreCountedPerMinuteByHowTheyEnded() throws {
        let (client, sink) = Self.client()
        for (status, second) in [(SessionStatus.exited, 1.0), (.exited, 59), (.errored, 30), (.exited, 61), (.crashed, 119), (.abnormal, 65)] {
            client.recordSession(status, at: Self.at(second))
        }
        client.flushSessions()
        let envelope = try #require(sink.envelopes.first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(envelope.items[0].payload)) as? [String: Any])
        #expect(payload["attrs"] as? [String: String] == ["release": "lookout@1.2.3", "environment": "staging"])
        let aggregates = try #require(payload["aggregates"] as? [[String: Any]]).map { $0.mapValues { "\($0)" } }
        #expect(aggregates == [
            ["started": "2026-12-02T18:30:00Z", "exited": "2", "errored": "1"],
            ["started": "2026-12-02T18:31:00Z", "exited": "1", "crashed": "1", "abnormal": "1"],
        ])
        client.flushSessions()
        #expect(sink.envelopes.count == 1, "a flush takes the counts: nothing twice, nothing empty")
    }

    @Test func noReleaseOrTrackingOffMeansNoSessions() {
        for (release, tracking) in [(nil as String?, true), ("lookout@1", false)] {
            let (client, sink) = Self.client(release: release, tracking: tracking)
            client.recordSession(.exited)
            client.flushSessions()
            #expect(sink.envelopes.isEmpty)
        }
    }

    @Test func minutesAreBoundedAndWhatIsDroppedIsCounted() {
        let (client, _) = Self.client()
        for minute in 0...SessionAggregator.maxMinutes { client.recordSession(.exited, at: Self.at(Double(minute) * 60)) }
        let kept = client.sessions.take()
        #expect(kept.count == SessionAggregator.maxMinutes)
        #expect(kept.first?.minute == Int64(1_796_236_200 / 60) + 1, "the oldest went")
        #expect(client.discards.snapshot == [.init(reason: .queueOverflow, category: "session"): 1])
    }

    @Test(.integration("sentry-relay in .venv"))
    func theSessionsItemIsWhatRelayReads() async throws {
        let (client, sink) = Self.client()
        client.recordSession(.errored, at: Self.at(5))
        client.recordSession(.exited, at: Self.at(7))
        client.flushSessions()
        let envelope = try #require(sink.envelopes.first)
        #expect(envelope.items.map(\.category) == ["session"])
        let (report, raw) = try await EnvelopeTests().check(envelope)
        let item = try #require((report["items"] as? [[String: Any]])?.first)
        #expect(item["type"] as? String == "sessions")
        #expect(item["length_ok"] as? Bool == true)
        #expect((item["errors"] as? [Any])?.isEmpty == true, "\(raw)")
    }

    @Test func theFlusherSendsEveryIntervalAndOnceMoreAtShutdown() async throws {
        let (client, sink) = Self.client()
        client.recordSession(.exited)
        let clock = ManualClock()
        let flusher = SessionFlusher(client: client, interval: .seconds(60), clock: clock)
        let task = Task { try await flusher.run() }
        // The flusher may not be asleep yet: move the clock on until its first flush has happened.
        #expect(await eventually {
            clock.advance(by: .seconds(60))
            return !sink.envelopes.isEmpty
        })
        #expect(sink.envelopes.count == 1)
        client.recordSession(.errored)
        task.cancel()
        _ = try await task.value
        #expect(sink.envelopes.count == 2, "the last minute is sent on the way out")
    }

    /// Tracking off: the flusher has nothing to do, but returning at once would end the service group it is in (and
    /// with it the process): it waits for the shutdown.
    @Test func withTrackingOffTheFlusherWaitsForTheShutdown() async throws {
        let (client, sink) = Self.client(tracking: false)
        let group = ServiceGroup(configuration: .init(
            services: [SessionFlusher(client: client, interval: .seconds(60), clock: ManualClock()), Idle()], gracefulShutdownSignals: [],
            logger: Logger(label: "test")
        ))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!Idle.cancelled.withLock { $0 }, "the group still runs")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(sink.envelopes.isEmpty)
    }

    /// A service that runs until the group shuts it down, and says whether it was cancelled instead.
    struct Idle: Service {
        static let cancelled = Mutex(false)
        func run() async throws {
            do { try await gracefulShutdown() } catch { Self.cancelled.withLock { $0 = true } }
        }
    }
}
