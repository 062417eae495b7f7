import Foundation

/// A JSON value as a probe assertion sees it.
enum JSONNode: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONNode].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONNode].self))
        }
    }

    static func parse(_ bytes: [UInt8]) -> JSONNode? {
        try? JSONDecoder().decode(JSONNode.self, from: Data(bytes))
    }

    /// The value as text, for comparing with what a check file says: strings bare, numbers without a needless `.0`,
    /// `true`/`false`/`null`, arrays and objects as compact JSON-ish text.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let members): "{" + members.keys.sorted().map { "\($0):\(members[$0]!.text)" }.joined(separator: ",") + "}"
        }
    }
}

/// A JSON path in the small dialect checks use: `$`, then `.name`, `['name']` or `[index]` steps
/// (`$.checks.database.status`, `$.items[0].id`, `$['odd key']`).
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let components: [Component]
    public let description: String

    /// Parses a path; throws with the reason when it is not valid.
    public init(_ text: String) throws(JSONPathError) {
        description = text
        var components: [Component] = []
        var rest = Substring(text)
        guard rest.first == "$" else { throw JSONPathError(path: text, reason: "must start with $") }
        rest = rest.dropFirst()
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw JSONPathError(path: text, reason: "a name must follow '.'") }
                components.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw JSONPathError(path: text, reason: "'[' without ']'") }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if let index = Int(inner), index >= 0 {
                    components.append(.index(index))
                } else if inner.count >= 2, let quote = inner.first, quote == "'" || quote == "\"", inner.last == quote {
                    components.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    throw JSONPathError(path: text, reason: "[\(inner)] is neither an index nor a quoted name")
                }
                rest = rest[rest.index(after: close)...]
            } else {
                throw JSONPathError(path: text, reason: "unexpected '\(first)'; use .name, ['name'] or [index]")
            }
        }
        self.components = components
    }

    func evaluate(_ root: JSONNode) -> JSONNode? {
        var node = root
        for component in components {
            switch (component, node) {
            case (.key(let key), .object(let members)):
                guard let next = members[key] else { return nil }
                node = next
            case (.index(let index), .array(let values)):
                guard values.indices.contains(index) else { return nil }
                node = values[index]
            default:
                return nil
            }
        }
        return node
    }
}

public struct JSONPathError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "invalid JSON path \(path): \(reason)" }
}
