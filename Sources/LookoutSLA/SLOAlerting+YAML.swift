import LookoutConfigFile
import Yams

extension SLOAlerting {
    /// Reads the SLO file's `alerting:` section over the defaults: `page` and `ticket` (each `for` and `windows`, a list of
    /// `{long, short, burn_rate}`) and `absent_for`. A key left out keeps its default.
    mutating func parse(_ node: Node, yaml: YAMLReader) throws(ConfigFileError) {
        let fields = try yaml.mapping(node, "alerting", allowed: ["page", "ticket", "absent_for"])
        if let (_, value) = fields["page"] { page = try Self.tier(value, "alerting.page", yaml: yaml, default: page) }
        if let (_, value) = fields["ticket"] { ticket = try Self.tier(value, "alerting.ticket", yaml: yaml, default: ticket) }
        if let (_, value) = fields["absent_for"] { absentFor = try yaml.duration(value, "alerting.absent_for", atLeast: .seconds(60)) }
    }

    private static func tier(_ node: Node, _ field: String, yaml: YAMLReader, default tier: Tier) throws(ConfigFileError) -> Tier {
        var result = tier
        let fields = try yaml.mapping(node, field, allowed: ["for", "windows"])
        if let (_, value) = fields["for"] { result.for = try yaml.duration(value, "\(field).for", atLeast: .zero) }
        if let (_, value) = fields["windows"] {
            result.pairs = []
            for (index, item) in try yaml.sequence(value, "\(field).windows").enumerated() {
                let name = "\(field).windows[\(index)]"
                let pair = try yaml.mapping(item, name, allowed: ["long", "short", "burn_rate"])
                func window(_ key: String) throws(ConfigFileError) -> SLAWindow {
                    guard let (_, value) = pair[key] else { throw yaml.error(item, "\(name).\(key)", "is missing; a duration such as 1h") }
                    let duration = try yaml.duration(value, "\(name).\(key)", atLeast: .seconds(60))
                    guard duration.components.seconds % 60 == 0, duration.components.attoseconds == 0 else {
                        throw yaml.error(value, "\(name).\(key)", "must be whole minutes (got \(duration))")
                    }
                    return .rolling(minutes: duration.components.seconds / 60)
                }
                let long = try window("long"), short = try window("short")
                guard case .rolling(let longMinutes) = long, case .rolling(let shortMinutes) = short, shortMinutes < longMinutes else {
                    throw yaml.error(item, "\(name).short", "must be shorter than long")
                }
                guard let (_, rateNode) = pair["burn_rate"] else { throw yaml.error(item, "\(name).burn_rate", "is missing; a number such as 14.4") }
                let text = try yaml.string(rateNode, "\(name).burn_rate")
                guard let burnRate = Double(text), burnRate > 0, burnRate.isFinite else {
                    throw yaml.error(rateNode, "\(name).burn_rate", "must be a positive number such as 14.4 (got \"\(text)\")")
                }
                result.pairs.append(WindowPair(long: long, short: short, burnRate: burnRate))
            }
            guard !result.pairs.isEmpty else { throw yaml.error(value, "\(field).windows", "is empty; list at least one pair or leave the key out") }
        }
        return result
    }
}
