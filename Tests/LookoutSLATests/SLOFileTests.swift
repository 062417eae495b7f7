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

    /// The alerting section and each objective's `source` and `alert`, over the defaults.
    @Test func alertingIsReadOverTheDefaults() throws {
        let file = try SLOFile.parse(
            """
            objectives:
              - {name: availability, target: 99.9%, source: edge-prober}
              - {name: request_availability, alert: true}
              - {name: error_rate, alert: false}
            alerting:
              page:
                windows: [{long: 2h, short: 10m, burn_rate: 10}]
              absent_for: 3m
            """, file: "slo.yml")
        let alerting = file.alerting
        #expect(alerting.sources["availability"] == "edge-prober")
        #expect(alerting.sources["latency"] == "lookout-api", "a default kept")
        #expect(alerting.alerts(on: "request_availability") && !alerting.alerts(on: "error_rate"))
        #expect(alerting.page.pairs == [SLOAlerting.WindowPair(long: .rolling(minutes: 120), short: .rolling(minutes: 10), burnRate: 10)])
        #expect(alerting.page.for == .zero, "a default kept")
        #expect(alerting.ticket == SLOAlerting.defaults.ticket)
        #expect(alerting.absentFor == .seconds(180))
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
        // The alerting section and each objective's alerting keys.
        ("objectives:\n  - name: latency\nalerting:\n  page:\n    windows: [{long: 5m, short: 1h, burn_rate: 14.4}]\n", 5, 15, "alerting.page.windows[0].short", "shorter than long"),
        ("objectives:\n  - name: latency\nalerting:\n  page:\n    windows: [{long: 1h, short: 5m, burn_rate: fast}]\n", 5, 48, "alerting.page.windows[0].burn_rate", "positive number"),
        ("objectives:\n  - name: latency\nalerting:\n  page:\n    windows: [{long: 90s, short: 5m, burn_rate: 2}]\n", 5, 22, "alerting.page.windows[0].long", "whole minutes"),
        ("objectives:\n  - name: latency\nalerting:\n  pager: {}\n", 4, 3, "alerting.pager", "did you mean page?"),
        ("objectives:\n  - name: latency\n    alert: maybe\n", 3, 12, "objectives[0].alert", "true or false"),
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
