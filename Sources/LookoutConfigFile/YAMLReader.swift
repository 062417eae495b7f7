import Foundation
import LookoutConfiguration
import Yams

/// A configuration file that cannot be used, with the place and the field: `checks.yml:12:7: checks[1].expect.status: …`.
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the whole file (unreadable, empty).
    public var line: Int
    public var column: Int
    /// The field's path in the file (`checks[1].expect.status`); empty for the file itself.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}

/// Reads typed values out of a YAML tree, each failure an error that points at the node (line, column) and names the
/// field's path. Lookout's YAML files (checks, SLOs) are read with it, so that they report problems the same way.
public struct YAMLReader: Sendable {
    public let file: String
    /// Where `${NAME}` in ``expanded(_:_:)`` values is looked up.
    public let environment: [String: String]

    public init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    /// Reads the file's text.
    public static func text(path: String) throws(ConfigFileError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigFileError(file: path, line: 0, column: 0, field: "", message: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// Parses YAML text into its tree; nil for an empty document.
    public func root(_ text: String) throws(ConfigFileError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigFileError(file: file, line: error.line, column: error.column, field: "", message: "is not valid YAML: \(error.problem)")
        } catch {
            throw ConfigFileError(file: file, line: 0, column: 0, field: "", message: "is not valid YAML: \(error)")
        }
    }

    public func error(_ node: Node?, _ field: String, _ message: String) -> ConfigFileError {
        ConfigFileError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, field: field, message: message)
    }
    /// The mapping's entries by key, rejecting keys not in `allowed` (with a suggestion) and duplicates.
    public func mapping(_ node: Node, _ field: String, allowed: [String]) throws(ConfigFileError) -> [String: (key: Node, value: Node)] {
        guard let mapping = node.mapping else { throw error(node, field, "must be a mapping (key: value lines)") }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, field, "keys must be plain names") }
            guard allowed.contains(name) else {
                let hint = Suggestion.closest(to: name, among: allowed).map { " (did you mean \($0)?)" } ?? ""
                throw error(key, join(field, name), "is not a known field\(hint); allowed: \(allowed.joined(separator: ", "))")
            }
            guard entries[name] == nil else { throw error(key, join(field, name), "appears twice") }
            entries[name] = (key, value)
        }
        return entries
    }

    public func join(_ field: String, _ name: String) -> String { field.isEmpty ? name : "\(field).\(name)" }

    public func string(_ node: Node, _ field: String) throws(ConfigFileError) -> String {
        guard let scalar = node.scalar else { throw error(node, field, "must be a single value, not a list or mapping") }
        return scalar.string
    }

    /// A string in which `${NAME}` is replaced from the environment (for secrets that must not sit in the file).
    public func expanded(_ node: Node, _ field: String) throws(ConfigFileError) -> String {
        let raw = try string(node, field)
        guard raw.contains("${") else { return raw }
        var result = ""
        var rest = Substring(raw)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw error(node, field, "has ${ without a closing }") }
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name] else {
                throw error(node, field, "uses ${\(name)}, but the environment variable \(name) is not set; set it or write the value in the file")
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    public func boolean(_ node: Node, _ field: String) throws(ConfigFileError) -> Bool {
        switch try string(node, field).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(node, field, "must be true or false (got \"\(other)\")")
        }
    }

    public func integer(_ node: Node, _ field: String, in range: ClosedRange<Int>) throws(ConfigFileError) -> Int {
        let text = try string(node, field)
        guard let value = Int(text), range.contains(value) else {
            throw error(node, field, "must be an integer from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// `250ms`, `5s`, `2m`, `1h`, `14d` (a bare number is seconds).
    public func duration(_ node: Node, _ field: String, atLeast minimum: Duration = .milliseconds(1)) throws(ConfigFileError) -> Duration {
        let text = try string(node, field).trimmingCharacters(in: .whitespaces)
        guard let value = Self.parseDuration(text) else {
            throw error(node, field, "must be a duration such as 500ms, 5s, 2m, 1h or 14d (got \"\(text)\")")
        }
        guard value >= minimum else { throw error(node, field, "must be at least \(minimum) (got \(text))") }
        return value
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    public func sequence(_ node: Node, _ field: String) throws(ConfigFileError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, field, "must be a list (lines starting with -)") }
        return Array(sequence)
    }

    public func list(_ node: Node?, _ field: String) throws(ConfigFileError) -> [Node] {
        guard let node else { return [] }
        return node.sequence.map(Array.init) ?? [node]
    }


    /// A number written plainly (`0.995`) or as a percentage (`99.5%`), as a fraction within `range`.
    public func fraction(_ node: Node, _ field: String, in range: ClosedRange<Double>) throws(ConfigFileError) -> Double {
        let text = try string(node, field).trimmingCharacters(in: .whitespaces)
        let value = text.hasSuffix("%") ? Double(text.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 } : Double(text)
        guard let value, range.contains(value) else {
            throw error(node, field, "must be a number such as 0.995 or 99.5% within \(range.lowerBound)-\(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// An ISO 8601 date and time with a zone (`2026-12-01T02:00:00Z`).
    public func date(_ node: Node, _ field: String) throws(ConfigFileError) -> Date {
        let text = try string(node, field).trimmingCharacters(in: .whitespaces)
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw error(node, field, "must be an ISO 8601 date and time with a zone, e.g. 2026-12-01T02:00:00Z (got \"\(text)\")")
        }
        return date
    }
}

extension YamlError {
    var line: Int {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }
    var column: Int {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.column
        default: 0
        }
    }
    var problem: String {
        switch self {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        default: "\(self)"
        }
    }
}
