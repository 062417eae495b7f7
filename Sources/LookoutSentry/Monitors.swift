import Foundation
import Instrumentation
import Synchronization

/// A cron monitor check-in's status (develop.sentry.dev/sdk/telemetry/check-ins/).
public enum CheckInStatus: String, Sendable {
    case inProgress = "in_progress"
    case ok
    case error
}

/// When a monitored job is expected to run: Sentry opens a "missed" issue when a check-in does not come in time.
public struct MonitorSchedule: Sendable, Equatable {
    public enum Unit: String, Sendable { case minute, hour, day, week, month, year }

    enum Kind: Equatable {
        case crontab(String)
        case interval(Int, Unit)
    }

    let kind: Kind

    /// A crontab expression (`*/5 * * * *`).
    public static func crontab(_ expression: String) -> MonitorSchedule { MonitorSchedule(kind: .crontab(expression)) }

    /// Every `value` units.
    public static func interval(_ value: Int, _ unit: Unit) -> MonitorSchedule { MonitorSchedule(kind: .interval(max(1, value), unit)) }

    /// Every `duration`, in whole minutes rounded up (a minute is Sentry's finest unit).
    public static func every(_ duration: Duration) -> MonitorSchedule {
        let seconds = max(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18, 1)
        return .interval(Int((seconds / 60).rounded(.up)), .minute)
    }

    var json: JSONValue {
        switch kind {
        case .crontab(let expression): ["type": "crontab", "value": .string(expression)]
        case .interval(let value, let unit): ["type": "interval", "value": .int(Int64(value)), "unit": .string(unit.rawValue)]
        }
    }
}

/// A monitor's settings, sent with its check-ins so that Sentry creates or updates the monitor (upsert).
public struct MonitorConfig: Sendable, Equatable {
    public var schedule: MonitorSchedule
    /// Minutes a check-in may be late before it counts as missed.
    public var checkInMargin: Int?
    /// Minutes a run may stay in progress before it counts as timed out.
    public var maxRuntime: Int?
    /// The crontab's time zone (`Europe/Berlin`); UTC when nil.
    public var timezone: String?
    /// Consecutive failed check-ins before Sentry opens an issue (a flaky run alone opens none).
    public var failureIssueThreshold: Int?

    public init(
        schedule: MonitorSchedule, checkInMargin: Int? = nil, maxRuntime: Int? = nil, timezone: String? = nil, failureIssueThreshold: Int? = nil
    ) {
        self.schedule = schedule
        self.checkInMargin = checkInMargin
        self.maxRuntime = maxRuntime
        self.timezone = timezone
        self.failureIssueThreshold = failureIssueThreshold
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["schedule": schedule.json]
        if let checkInMargin { object["checkin_margin"] = .int(Int64(checkInMargin)) }
        if let maxRuntime { object["max_runtime"] = .int(Int64(maxRuntime)) }
        if let timezone { object["timezone"] = .string(timezone) }
        if let failureIssueThreshold { object["failure_issue_threshold"] = .int(Int64(failureIssueThreshold)) }
        return .object(object)
    }

    /// A monitor's slug as Sentry takes it: lowercase letters, digits, `-` and `_`, at most 50 characters; anything
    /// else becomes `-` (`Probe: login` → `probe--login`).
    public static func slug(_ name: String) -> String {
        let characters = name.lowercased().unicodeScalars.map { scalar -> Character in
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
            return allowed ? Character(scalar) : "-"
        }
        return String(String(characters).prefix(50))
    }
}

extension SentryClient {
    /// Sends one check-in for the monitor `slug` (a `check_in` envelope item); returns its id, to close an
    /// `in_progress` check-in with the same id. Nil when Sentry is disabled.
    @discardableResult
    public func captureCheckIn(
        monitor slug: String, status: CheckInStatus, checkInID: String? = nil, duration: Duration? = nil, config: MonitorConfig? = nil
    ) -> String? {
        guard let dsn = options.dsn else { return nil }
        let id = checkInID ?? SentryEvent.newID()
        var payload: [String: JSONValue] = [
            "check_in_id": .string(id), "monitor_slug": .string(slug), "status": .string(status.rawValue),
            "environment": .string(options.environment),
        ]
        if let release = options.release { payload["release"] = .string(release) }
        if let duration { payload["duration"] = .double(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) }
        if let config { payload["monitor_config"] = config.json }
        if let span = InstrumentationContext.current?.sentrySpan { payload["contexts"] = ["trace": ["trace_id": .string(span.traceID)]] }
        sink.enqueue(Envelope(eventID: nil, dsn: dsn, sdk: sdk, items: [Envelope.Item(type: "check_in", value: .object(payload))]))
        return id
    }

    /// Runs `body` as a run of the monitor `slug`: an `in_progress` check-in before, `ok` or `error` (when it throws)
    /// with its duration after.
    public func withMonitor<T>(
        _ slug: String, config: MonitorConfig? = nil, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        let start = ContinuousClock.now
        let id = captureCheckIn(monitor: slug, status: .inProgress, config: config)
        do {
            let result = try await body()
            captureCheckIn(monitor: slug, status: .ok, checkInID: id, duration: .now - start, config: config)
            return result
        } catch {
            captureCheckIn(monitor: slug, status: .error, checkInID: id, duration: .now - start, config: config)
            throw error
        }
    }
}

/// Check-ins for work that runs more often than a monitor can be scheduled (every few seconds): each failed run is
/// reported at once, a successful one at most once per `every` (the schedule), so Sentry sees the work alive and
/// each failure without a check-in every ten seconds per process.
public final class PeriodicMonitor: Sendable {
    let client: SentryClient
    public let slug: String
    let config: MonitorConfig
    let every: Duration
    private let lastOK = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - every: at most one `ok` check-in per this, and the monitor's schedule (in whole minutes, at least one).
    ///   - failuresToConfirm: consecutive failed runs before Sentry opens an issue.
    public init(client: SentryClient, slug: String, every: Duration, checkInMargin: Int = 1, failuresToConfirm: Int = 1) {
        self.client = client
        self.slug = MonitorConfig.slug(slug)
        self.every = every
        self.config = MonitorConfig(
            schedule: .every(every), checkInMargin: checkInMargin, maxRuntime: 1, failureIssueThreshold: max(1, failuresToConfirm)
        )
    }

    /// Reports a finished run (`now`: when it finished).
    public func runFinished(succeeded: Bool, duration: Duration, now: ContinuousClock.Instant = .now) {
        guard client.options.isEnabled else { return }
        if succeeded {
            let due = lastOK.withLock { last -> Bool in
                if let last, now - last < every { return false }
                last = now
                return true
            }
            guard due else { return }
        }
        client.captureCheckIn(monitor: slug, status: succeeded ? .ok : .error, duration: duration, config: config)
    }
}
