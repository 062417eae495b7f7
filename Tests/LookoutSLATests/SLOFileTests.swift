import Foundation
import LookoutConfigFile
import LookoutSLA
import Testing

/// The SLO file: targets, the latency threshold and maintenance, and errors that point at the line and field.
@Suite struct SLOFileTests {
    @Test func theShippedFileIsTheBuiltInDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/slo.yml").standardized.path
        #expect(try SLOFile.load(path: path) == SLOFile.defaults)
    }

    @Test func targetsThresholdAndMaintenanceAreRead() throws {
        let file = try SLOFile.parse(
            """
            objectives:
              - name: latency
                target: 0.9
                threshold: 500ms
                minimum_samples: 20
              - name: error_rate
                target: 99.9%
                description: almost never a 5xx
            maintenance:
              - start: 2026-12-01T02:00:00Z
                end: 2026-12-01T03:30:00Z
                reason: database upgrade
            """, file: "slo.yml")
        #expect(file.objectives.map(\.name) == ["latency", "error_rate"])
        #expect(file.objectives[0].target == 0.9)
        #expect(file.objectives[0].minimumSamples == 20)
        #expect(file.latencyThreshold == .milliseconds(500))
        #expect(abs(file.objectives[1].target - 0.999) < 1e-12)
        #expect(file.objectives[1].description == "almost never a 5xx")
        #expect(file.maintenance == [
            MaintenanceWindow(
                id: "config-1", start: Date(timeIntervalSince1970: 1_796_090_400), end: Date(timeIntervalSince1970: 1_796_095_800),
                reason: "database upgrade", source: .configuration
            )
        ])
    }

    @Test(arguments: [
        ("objectives:\n  - name: uptime\n", 2, 11, "objectives[0].name", "not an objective Lookout measures"),
        ("objectives:\n  - name: latency\n    target: 120%\n", 3, 13, "objectives[0].target", "0.995 or 99.5%"),
        ("objectives:\n  - name: error_rate\n    threshold: 1s\n", 3, 5, "objectives[0].threshold", "only the latency objective"),
        ("objectives:\n  - name: latency\n  - name: latency\n", 3, 11, "objectives[1].name", "declared twice"),
        ("objectives:\n  - name: latency\n    targt: 0.9\n", 3, 5, "objectives[0].targt", "did you mean target?"),
        ("objectives:\n  - name: latency\nmaintenance:\n  - start: 2026-12-01T03:00:00Z\n    end: 2026-12-01T02:00:00Z\n    reason: x\n", 5, 10, "maintenance[0].end", "after start"),
        ("objectives:\n  - name: latency\nmaintenance:\n  - start: tomorrow\n    end: 2026-12-01T02:00:00Z\n    reason: x\n", 4, 12, "maintenance[0].start", "ISO 8601"),
        ("maintenance: []\n", 1, 1, "objectives", "is missing"),
    ])
    func aBadFileNamesTheLineAndField(yaml: String, line: Int, column: Int, field: String, message: String) {
        do {
            _ = try SLOFile.parse(yaml, file: "slo.yml")
            Issue.record("expected an error for \(field)")
        } catch {
            #expect(error.description.hasPrefix("slo.yml:\(line):\(column): \(field): "), "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }
}
