import LookoutMetrics
import LookoutSLA
import Prometheus

/// Exports the SLA engine's events as `lookout_slo_events_total` and `lookout_slo_good_events_total`, per objective,
/// so that Prometheus can sum every replica's (the recording rules in deploy/prometheus/rules/lookout-slo.rules.yml).
/// Only the declared objectives are exported (not the per-check `probe:<check>` counts); their series exist from the
/// start at 0, so that `increase()` sees the first events.
struct SLAEventMetrics: SLAEventSink {
    private let counters: [String: (total: Counter, good: Counter)]

    init(registry: MetricsRegistry, objectives: [Objective]) {
        let total = registry.counter(MetricsCatalog.sloEvents)
        let good = registry.counter(MetricsCatalog.sloGoodEvents)
        counters = Dictionary(uniqueKeysWithValues: objectives.map { ($0.name, (total.labels($0.name), good.labels($0.name))) })
    }

    func counted(_ events: [(objective: String, good: Bool)]) {
        for event in events {
            guard let pair = counters[event.objective] else { continue }
            pair.total.increment()
            if event.good { pair.good.increment() }
        }
    }
}
