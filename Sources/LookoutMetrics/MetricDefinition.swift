import Foundation

/// The declaration of one metric family: everything Prometheus and a reader of `docs/metrics.md` need to know.
///
/// Every metric Lookout emits is declared exactly once, in the catalog of the library that records it (``MetricsCatalog``
/// here). Code records through the definition, never by a free-form name, so a name, its help text, unit, labels and
/// buckets cannot drift apart.
public struct MetricDefinition: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// Base name without the unit suffix or `_total`, e.g. `http_request_duration`.
    public let baseName: String
    /// The unit suffix: a base unit (`seconds`, `bytes`) or `total` for counters; empty for dimensionless gauges.
    public let unitSuffix: String
    public let kind: Kind
    public let help: String
    /// Label names, in the order values are passed when recording.
    public let labelNames: [String]
    /// Histogram bucket upper bounds, ascending (empty for counters and gauges).
    public let buckets: [Double]
    /// An example PromQL query, for the docs.
    public let exampleQuery: String

    public init(
        baseName: String, unitSuffix: String, kind: Kind, help: String, labelNames: [String] = [], buckets: [Double] = [],
        exampleQuery: String
    ) {
        precondition(kind != .counter || unitSuffix == "total", "counters end in _total")
        precondition(kind != .histogram || !buckets.isEmpty, "histograms need buckets")
        precondition(buckets == buckets.sorted(), "buckets must ascend")
        self.baseName = baseName
        self.unitSuffix = unitSuffix
        self.kind = kind
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
        self.exampleQuery = exampleQuery
    }

    /// The name as exposed: `<baseName>_<unitSuffix>`.
    public var name: String { unitSuffix.isEmpty ? baseName : "\(baseName)_\(unitSuffix)" }

    public static func counter(_ baseName: String, help: String, labels: [String] = [], example: String) -> MetricDefinition {
        MetricDefinition(baseName: baseName, unitSuffix: "total", kind: .counter, help: help, labelNames: labels, exampleQuery: example)
    }

    public static func gauge(_ baseName: String, unit: String = "", help: String, labels: [String] = [], example: String) -> MetricDefinition {
        MetricDefinition(baseName: baseName, unitSuffix: unit, kind: .gauge, help: help, labelNames: labels, exampleQuery: example)
    }

    public static func histogram(
        _ baseName: String, unit: String, help: String, labels: [String] = [], buckets: [Double], example: String
    ) -> MetricDefinition {
        MetricDefinition(baseName: baseName, unitSuffix: unit, kind: .histogram, help: help, labelNames: labels, buckets: buckets, exampleQuery: example)
    }

    /// What breaks Prometheus' naming conventions in a set of definitions, one sentence each (empty: none): a name
    /// declared twice, a name Prometheus refuses, a counter without `_total` (or another family with it), a unit that
    /// is not a base unit, a missing help text. For a catalog's test.
    public static func namingProblems(in definitions: [MetricDefinition]) -> [String] {
        var problems: [String] = []
        var names = Set<String>()
        for definition in definitions {
            let name = definition.name
            if !names.insert(name).inserted { problems.append("\(name) is declared twice") }
            if definition.help.isEmpty { problems.append("\(name) has no help text") }
            if name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) == nil { problems.append("\(name) is not a Prometheus name") }
            if (definition.kind == .counter) != name.hasSuffix("_total") { problems.append("\(name): only counters end in _total") }
            if name.contains("milliseconds") || name.contains("_ms") { problems.append("\(name): base units only (seconds)") }
        }
        return problems
    }
}
