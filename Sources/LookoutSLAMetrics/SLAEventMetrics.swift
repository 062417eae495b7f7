import LookoutMetrics
import LookoutSLA
import Prometheus

/// Exports the SLA engine's events as `lookout_slo_events_total` and `lookout_slo_good_events_total`, per objective,
/// so that Prometheus can sum every replica's (the recording rules in deploy/prometheus/rules/lookout-slo.rules.yml).
/// Only the declared objectives are exported (not the per-check `probe:<check>` counts); their series exist from the
/// start at 0, so that `increase()` sees the first events.
public struct SLAEventMetrics: SLAEventSink {
    private let counters: [String: (total: Counter, good: Counter)]

    public init(registry: MetricsRegistry, objectives: [Objective]) {
        let total = registry.counter(SLAMetricsCatalog.sloEvents)
        let good = registry.counter(SLAMetricsCatalog.sloGoodEvents)
        counters = Dictionary(uniqueKeysWithValues: objectives.map { ($0.name, (total.labels($0.name), good.labels($0.name))) })
    }

    public func counted(_ events: [(objective: String, good: Bool)]) {
        for event in events {
            guard let pair = counters[event.objective] else { continue }
            pair.total.increment()
            if event.good { pair.good.increment() }
        }
    }
}

/// The SLO events' metric families (``SLAEventMetrics`` records them; the generated SLO rules read them).
public enum SLAMetricsCatalog {
    public static let sloEvents = MetricDefinition.counter(
        "lookout_slo_events", help: "Events counted toward each service level objective (requests, probe runs), as the SLA engine counts them.",
        labels: ["objective"], example: "sum by (objective) (increase(lookout_slo_events_total[1h]))"
    )
    public static let sloGoodEvents = MetricDefinition.counter(
        "lookout_slo_good_events", help: "The good ones among lookout_slo_events_total (not a 5xx, within the latency threshold, a successful probe).",
        labels: ["objective"],
        example: "sum by (objective) (increase(lookout_slo_good_events_total[1h])) / sum by (objective) (increase(lookout_slo_events_total[1h]))"
    )

    public static let all: [MetricDefinition] = [sloEvents, sloGoodEvents]
}
