import Foundation
import LookoutSLA
import LookoutSLAPrometheus
import Testing

/// deploy/slo.yml is the only place a target, window or threshold is written: the committed SLO rules are exactly what
/// `swift run slo-rules` generates from it.
@Suite struct SLORulesTests {
    static let root = PrometheusRulesTests.root
    static let committed = root.appendingPathComponent("deploy/prometheus/rules/lookout-slo.rules.yml")

    @Test func theCommittedRulesAreGeneratedFromTheSLOFile() throws {
        let file = try SLOFile.load(path: Self.root.appendingPathComponent("deploy/slo.yml").path)
        let generated = SLORules.render(file)
        let committed = try String(contentsOf: Self.committed, encoding: .utf8)
        #expect(committed == generated, "deploy/prometheus/rules/lookout-slo.rules.yml is stale: run `swift run slo-rules > deploy/prometheus/rules/lookout-slo.rules.yml`")
    }

    /// A changed target or window reaches the rules: the generator reads the file, it does not restate the defaults.
    @Test func aTargetOrWindowChangedInTheFileChangesTheRules() throws {
        let text = """
            objectives:
              - {name: availability, target: 99.9%, source: edge-prober}
              - {name: latency, target: 90%, threshold: 500ms, alert: false}
            alerting:
              page:
                for: 1m
                windows: [{long: 2h, short: 10m, burn_rate: 10}]
              absent_for: 3m
            """
        let rules = SLORules.render(try SLOFile.parse(text, file: "custom.yml"))
        #expect(rules.contains(#"label_replace(vector(0.999), "objective", "availability", "", "")"#))
        #expect(rules.contains(#"(lookout:slo_burn_rate:2h{objective=~"availability"} > 10"#))
        #expect(rules.contains(#"and lookout:slo_burn_rate:10m{objective=~"availability"} > 10)"#))
        #expect(rules.contains("record: lookout:slo_events:increase10m"))
        #expect(rules.contains(#"absent(lookout_slo_events_total{job="edge-prober", objective="availability"})"#))
        #expect(rules.contains("for: 3m"))
        #expect(!rules.contains(#"objective="latency"})"#), "latency is reported, not alerted")
        #expect(!rules.contains("> 14.4"))
    }
}
