import Foundation
import ServiceLifecycle
import Synchronization

/// How a unit of work ended, for release health (develop.sentry.dev/sdk/telemetry/sessions/).
public enum SessionStatus: String, Sendable, CaseIterable {
    /// Ended normally (Sentry's "healthy").
    case exited
    /// Ended with an error reported (a 5xx answer, a failed job attempt).
    case errored
    /// The process died in it (a crash log found at the next start).
    case crashed
    /// Ended without an outcome (a job released at shutdown, its lease lost).
    case abnormal
}

/// Release health in server mode: every request and job is a session, counted per minute by how it ended and sent as
/// a `sessions` envelope item of aggregates, as sentry-python's request mode does. Sentry shows from them the crash-free
/// and error-free rates of each release, and its adoption.
///
/// Recording is one lock and one add on the caller (the request path); a ``SessionFlusher`` hands the counts to the
/// client every minute and at shutdown. Sessions need a release: without one the client records nothing.
public final class SessionAggregator: Sendable {
    struct Counts: Equatable {
        var exited = 0, errored = 0, crashed = 0, abnormal = 0

        mutating func add(_ status: SessionStatus) {
            switch status {
            case .exited: exited += 1
            case .errored: errored += 1
            case .crashed: crashed += 1
            case .abnormal: abnormal += 1
            }
        }
    }

    /// Minutes held before a flush; beyond, the oldest minute is dropped (counted as a `session` drop). A flusher that
    /// runs every minute never comes near.
    static let maxMinutes = 120

    private let minutes = Mutex<[Int64: Counts]>([:])
    private let discards: DiscardCounter

    init(discards: DiscardCounter) {
        self.discards = discards
    }

    /// Counts one session that ended `at` (a crash's session: when it crashed).
    public func record(_ status: SessionStatus, at date: Date = Date()) {
        let minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        let dropped = minutes.withLock { minutes -> Bool in
            minutes[minute, default: Counts()].add(status)
            guard minutes.count > Self.maxMinutes, let oldest = minutes.keys.min() else { return false }
            minutes.removeValue(forKey: oldest)
            return true
        }
        if dropped { discards.record(.queueOverflow, category: "session") }
    }

    /// Takes every count recorded so far, oldest minute first.
    func take() -> [(minute: Int64, counts: Counts)] {
        minutes.withLock { minutes in
            defer { minutes.removeAll(keepingCapacity: true) }
            return minutes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// The `sessions` item for `aggregates`: `started` is the minute (RFC 3339, UTC), zero counts are left out.
    static func item(_ aggregates: [(minute: Int64, counts: Counts)], release: String, environment: String) -> Envelope.Item {
        let values: [JSONValue] = aggregates.map { minute, counts in
            var object: [String: JSONValue] = ["started": .string(rfc3339(minute: minute))]
            if counts.exited > 0 { object["exited"] = .int(Int64(counts.exited)) }
            if counts.errored > 0 { object["errored"] = .int(Int64(counts.errored)) }
            if counts.crashed > 0 { object["crashed"] = .int(Int64(counts.crashed)) }
            if counts.abnormal > 0 { object["abnormal"] = .int(Int64(counts.abnormal)) }
            return .object(object)
        }
        return Envelope.Item(
            type: "sessions", value: ["attrs": ["release": .string(release), "environment": .string(environment)], "aggregates": .array(values)]
        )
    }

    /// `2026-12-02T18:30:00Z` for the minute that many minutes after the epoch.
    static func rfc3339(minute: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(minute) * 60)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(parts.year ?? 1970)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):00Z"
    }
}

extension SentryClient {
    /// Counts a request or job that ended now (or at `date`) for release health; does nothing when Sentry is disabled,
    /// session tracking is off or no release is set.
    public func recordSession(_ status: SessionStatus, at date: Date = Date()) {
        guard options.tracksSessions else { return }
        sessions.record(status, at: date)
    }

    /// Sends what ``recordSession(_:at:)`` counted, as one `sessions` envelope. ``SessionFlusher`` calls it.
    public func flushSessions() {
        guard options.tracksSessions, let dsn = options.dsn, let release = options.release else { return }
        let aggregates = sessions.take()
        guard !aggregates.isEmpty else { return }
        let item = SessionAggregator.item(aggregates, release: release, environment: options.environment)
        sink.enqueue(Envelope(eventID: nil, dsn: dsn, sdk: sdk, items: [item]))
    }
}

/// Sends the client's session aggregates every `interval` (a minute, as sentry-python) and once more on graceful
/// shutdown. Put it after the transport in the service group, so that it stops first and its last flush is sent.
public struct SessionFlusher<C: Clock>: Service where C.Duration == Duration {
    let client: SentryClient
    let interval: Duration
    let clock: C

    public init(client: SentryClient, interval: Duration = .seconds(60), clock: C) {
        self.client = client
        self.interval = interval
        self.clock = clock
    }

    public func run() async throws {
        guard client.options.tracksSessions else {
            // Nothing to send; but a service that returns ends its whole group (ServiceLifecycle's default), so it
            // waits for the shutdown like the others.
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
            client.flushSessions()
        }
        client.flushSessions()
    }
}

extension SessionFlusher where C == ContinuousClock {
    public init(client: SentryClient, interval: Duration = .seconds(60)) {
        self.init(client: client, interval: interval, clock: ContinuousClock())
    }
}
