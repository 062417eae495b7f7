import Foundation
import GenerationApp
import LookoutMetrics
import Testing

/// Every library's metric families together, as the reference service's programs expose them.
@Suite struct MetricFamiliesTests {
    @Test func everyFamilyIsDeclaredOnceAndNamedByTheRules() {
        #expect(MetricDefinition.namingProblems(in: MetricFamilies.all) == [])
    }

    @Test func docsMetricsMatchesTheCatalogs() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/metrics.md").standardized
        let onDisk = try String(contentsOf: path, encoding: .utf8)
        #expect(onDisk == MetricsDocumentation.markdown(families: MetricFamilies.all),
                "docs/metrics.md is stale: run `swift run metrics-docs > docs/metrics.md`")
        for definition in MetricFamilies.all {
            #expect(onDisk.contains("`\(definition.name)`"))
        }
    }
}
