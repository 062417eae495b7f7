/// How the objectives are alerted on in Prometheus: the multi-window burn-rate pairs that page and that open a ticket,
/// how long events may be missing, and, per objective, which scrape job counts its events and whether it alerts.
///
/// It is the `alerting:` section of the SLO file and the per-objective `source` and `alert` keys; the service itself
/// does not use it. `swift run slo-rules` turns it into deploy/prometheus/rules/lookout-slo.rules.yml, so that a target,
/// window or threshold is written in one place only (docs/sla.md, "Alerting on the objectives").
public struct SLOAlerting: Sendable, Equatable {
    /// Two windows that must both burn faster than `burnRate`: the long one says the budget is really being spent, the
    /// short one that it still is (so the alert resolves soon after the problem does).
    public struct WindowPair: Sendable, Equatable {
        public var long: SLAWindow
        public var short: SLAWindow
        /// How many times faster than sustainable (1 = the budget lasts exactly the budget period).
        public var burnRate: Double

        public init(long: SLAWindow, short: SLAWindow, burnRate: Double) {
            self.long = long
            self.short = short
            self.burnRate = burnRate
        }
    }

    /// One severity of burn-rate alert: any of its pairs firing for `for` raises it.
    public struct Tier: Sendable, Equatable {
        public var pairs: [WindowPair]
        public var `for`: Duration

        public init(pairs: [WindowPair], for: Duration) {
            self.pairs = pairs
            self.for = `for`
        }
    }

    /// Critical, paged. Default (Google SRE workbook, ch. 5): 14.4x over 1 h and 5 m, or 6x over 6 h and 30 m, with no
    /// `for`: the short window is the guard against noise. A delay lets the alert start only after a short outage has
    /// ended and its symptom alert (which inhibits it) resolved, which pages a second time for an incident that is over.
    public var page = Tier(
        pairs: [
            WindowPair(long: .hour, short: .rolling(minutes: 5), burnRate: 14.4),
            WindowPair(long: .rolling(minutes: 6 * 60), short: .rolling(minutes: 30), burnRate: 6),
        ],
        for: .zero
    )
    /// Warning, mailed. Default: 3x over 1 d and 2 h, or 1x over 3 d and 6 h, for 15 m.
    public var ticket = Tier(
        pairs: [
            WindowPair(long: .day, short: .rolling(minutes: 120), burnRate: 3),
            WindowPair(long: .rolling(minutes: 3 * 24 * 60), short: .rolling(minutes: 6 * 60), burnRate: 1),
        ],
        for: .seconds(15 * 60)
    )
    /// How long an objective's events may be missing from its source job before the SLO-blind alert pages. Default 5 m.
    public var absentFor: Duration = .seconds(5 * 60)
    /// The scrape job whose series carry each objective's events in production. Default: `lookout-prober` for
    /// `availability` (the standalone prober counts its runs), `lookout-api` for the request objectives.
    public var sources: [String: String] = [
        Objective.availability.name: "lookout-prober", Objective.requestAvailability.name: "lookout-api",
        Objective.errorRate.name: "lookout-api", Objective.latency.name: "lookout-api",
    ]
    /// Objectives reported but never alerted on. Default: `request_availability`, which counts the same events as
    /// `error_rate` (a 5xx is bad for both): alerting on both would page twice for one incident.
    public var unalerted: Set<String> = [Objective.requestAvailability.name]

    public init() {}

    public static let defaults = SLOAlerting()

    /// Whether `objective`'s burn rate is alerted on.
    public func alerts(on objective: String) -> Bool { !unalerted.contains(objective) }
}
