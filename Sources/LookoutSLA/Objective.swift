/// A service level objective: the share of good events that must be reached over a period.
///
/// Every objective is "good / total ≥ target", so availability, error rate and latency share one arithmetic:
/// - availability ≥ 99.5 %: good = a successful probe (or a non-5xx request), target 0.995;
/// - error rate < 1 %: good = a non-5xx request, target 0.99;
/// - response time: good = a request answered within 1 s, target 0.95 ("p95 < 1 s" as a countable budget).
public struct Objective: Sendable, Equatable, Hashable {
    /// A stable identifier (`availability`, `error_rate`, `latency`), used in APIs and metrics.
    public var name: String
    /// The share of good events required, in (0, 1).
    public var target: Double
    /// What counts as good, in words, for reports and the status page.
    public var description: String
    /// Windows with fewer events than this are flagged as too small to judge. Default 100.
    public var minimumSamples: Int64

    public init(name: String, target: Double, description: String, minimumSamples: Int64 = 100) {
        self.name = name
        self.target = target
        self.description = description
        self.minimumSamples = minimumSamples
    }

    /// The share of events allowed to be bad: the error budget as a ratio.
    public var budgetRatio: Double { 1 - target }

    /// Lookout's defaults: the objectives the service promises.
    public static let availability = Objective(name: "availability", target: 0.995, description: "successful synthetic probes")
    public static let requestAvailability = Objective(name: "request_availability", target: 0.995, description: "requests answered without a 5xx")
    public static let errorRate = Objective(name: "error_rate", target: 0.99, description: "requests answered without a 5xx (error rate < 1 %)")
    public static let latency = Objective(name: "latency", target: 0.95, description: "requests answered within 1 s")
    public static let defaults: [Objective] = [availability, requestAvailability, errorRate, latency]
}

/// Good and total events of one objective in one minute. Minutes are counted from the Unix epoch (UTC).
public struct MinuteBucket: Sendable, Equatable, Hashable {
    public var minute: Int64
    public var good: Int64
    public var total: Int64

    public init(minute: Int64, good: Int64, total: Int64) {
        self.minute = minute
        self.good = good
        self.total = total
    }

    public var bad: Int64 { total - good }
}
