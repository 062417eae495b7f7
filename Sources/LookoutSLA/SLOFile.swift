import Foundation
import LookoutConfigFile
import Yams

/// The objectives a deployment promises and its planned maintenance, from one YAML file (`LOOKOUT_SLO_FILE`;
/// `deploy/slo.yml` is the default written out). docs/sla.md, "The SLO file", has the format.
public struct SLOFile: Sendable, Equatable {
    /// The objectives to compute and report, in the file's order.
    public var objectives: [Objective]
    /// A request answered within this is good for `latency`. Default 1 s.
    public var latencyThreshold: Duration
    public var maintenance: [MaintenanceWindow]
    /// How Prometheus alerts on the objectives (the `alerting:` section and each objective's `source` and `alert`);
    /// read by the rule generator, not by the service.
    public var alerting: SLOAlerting

    public init(
        objectives: [Objective] = Objective.defaults, latencyThreshold: Duration = .seconds(1), maintenance: [MaintenanceWindow] = [],
        alerting: SLOAlerting = .defaults
    ) {
        self.objectives = objectives
        self.latencyThreshold = latencyThreshold
        self.maintenance = maintenance
        self.alerting = alerting
    }

    /// Lookout's promise without a file: availability 99.5 %, request availability 99.5 %, error rate < 1 %,
    /// 95 % of requests within 1 s.
    public static let defaults = SLOFile()

    /// The objectives Lookout can measure; what counts as good for each is fixed in code (docs/sla.md).
    public static let known: [String: Objective] = Dictionary(uniqueKeysWithValues: Objective.defaults.map { ($0.name, $0) })

    public static func load(path: String) throws(ConfigFileError) -> SLOFile {
        try parse(try YAMLReader.text(path: path), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigFileError) -> SLOFile {
        let yaml = YAMLReader(file: file, environment: [:])
        guard let root = try yaml.root(text) else {
            throw ConfigFileError(file: file, line: 0, column: 0, field: "", message: "is empty; it needs `objectives:`")
        }
        let entries = try yaml.mapping(root, "", allowed: ["objectives", "maintenance", "alerting"])
        guard let (_, objectivesNode) = entries["objectives"] else {
            throw yaml.error(root, "objectives", "is missing; list the objectives to report (docs/sla.md)")
        }
        var result = SLOFile(objectives: [], maintenance: [])
        let names = known.keys.sorted().joined(separator: ", ")
        for (index, node) in try yaml.sequence(objectivesNode, "objectives").enumerated() {
            let field = "objectives[\(index)]"
            let fields = try yaml.mapping(node, field, allowed: ["name", "target", "description", "minimum_samples", "threshold", "source", "alert"])
            guard let (_, nameNode) = fields["name"] else { throw yaml.error(node, "\(field).name", "is missing; one of \(names)") }
            let name = try yaml.string(nameNode, "\(field).name")
            guard var objective = known[name] else {
                throw yaml.error(nameNode, "\(field).name", "\"\(name)\" is not an objective Lookout measures; use one of \(names)")
            }
            guard !result.objectives.contains(where: { $0.name == name }) else {
                throw yaml.error(nameNode, "\(field).name", "\"\(name)\" is declared twice")
            }
            if let (_, value) = fields["target"] { objective.target = try yaml.fraction(value, "\(field).target", in: 0.5...0.99999) }
            if let (_, value) = fields["description"] { objective.description = try yaml.string(value, "\(field).description") }
            if let (_, value) = fields["minimum_samples"] {
                objective.minimumSamples = Int64(try yaml.integer(value, "\(field).minimum_samples", in: 1...1_000_000_000))
            }
            if let (key, value) = fields["threshold"] {
                guard name == Objective.latency.name else {
                    throw yaml.error(key, "\(field).threshold", "only the latency objective has a threshold")
                }
                result.latencyThreshold = try yaml.duration(value, "\(field).threshold")
            }
            if let (_, value) = fields["source"] { result.alerting.sources[name] = try yaml.string(value, "\(field).source") }
            if let (_, value) = fields["alert"] {
                if try yaml.boolean(value, "\(field).alert") { result.alerting.unalerted.remove(name) } else { result.alerting.unalerted.insert(name) }
            }
            result.objectives.append(objective)
        }
        guard !result.objectives.isEmpty else { throw yaml.error(objectivesNode, "objectives", "is empty; list at least one objective") }
        if let (_, node) = entries["alerting"] { try result.alerting.parse(node, yaml: yaml) }
        if let (_, node) = entries["maintenance"] {
            for (index, item) in try yaml.sequence(node, "maintenance").enumerated() {
                let field = "maintenance[\(index)]"
                let fields = try yaml.mapping(item, field, allowed: ["start", "end", "reason"])
                func required(_ name: String) throws(ConfigFileError) -> Node {
                    guard let (_, value) = fields[name] else { throw yaml.error(item, "\(field).\(name)", "is missing") }
                    return value
                }
                let start = try yaml.date(try required("start"), "\(field).start")
                let endNode = try required("end")
                let end = try yaml.date(endNode, "\(field).end")
                guard end > start else { throw yaml.error(endNode, "\(field).end", "must be after start") }
                let reason = try yaml.string(try required("reason"), "\(field).reason")
                result.maintenance.append(MaintenanceWindow(id: "config-\(index + 1)", start: start, end: end, reason: reason, source: .configuration))
            }
        }
        return result
    }
}
