import Foundation
@testable import GenerationApp
import LookoutMetrics
import LookoutSLA
import LookoutSLAMetrics
import Testing
import TestSupport

/// What every replica exports for the SLO recording rules: the declared objectives only, from zero.
@Suite struct SLAEventMetricsTests {
    @Test func declaredObjectivesAreExportedFromZeroAndPerCheckKeysAreNot() throws {
        let registry = MetricsRegistry()
        let metrics = SLAEventMetrics(registry: registry, objectives: Objective.defaults)
        var scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        for objective in Objective.defaults {
            #expect(scraped.value("lookout_slo_events_total", ["objective": objective.name]) == 0, "\(objective.name) exists before any event")
        }

        metrics.counted([
            (objective: "availability", good: true), (objective: "availability", good: false),
            (objective: "probe:api_round_trip", good: false), (objective: "latency", good: true),
        ])
        scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(scraped.value("lookout_slo_events_total", ["objective": "availability"]) == 2)
        #expect(scraped.value("lookout_slo_good_events_total", ["objective": "availability"]) == 1)
        #expect(scraped.value("lookout_slo_events_total", ["objective": "latency"]) == 1)
        // Per-check bars stay in the database: exporting them would add a series per check to every replica.
        #expect(scraped.series("lookout_slo_events_total").allSatisfy { !($0.labels["objective"] ?? "").hasPrefix("probe:") })
    }
}
