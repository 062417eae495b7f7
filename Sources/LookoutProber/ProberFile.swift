import Foundation

/// What a checks file declares (docs/sla.md, "The checks file", has the format with an example).
public struct ProberFile: Sendable {
    /// Where paths such as `/health` point. Nil: the program's default (the backend's own address).
    public var baseURL: URL?
    /// Values every check can use as `{{name}}`; `${NAME}` in a value is read from the environment when the file loads.
    public var variables: [String: String]
    /// Whether the service's built-in checks run besides the file's. Default true.
    public var includeDefaults: Bool
    public var checks: [ProbeCheck]

    public init(baseURL: URL? = nil, variables: [String: String] = [:], includeDefaults: Bool = true, checks: [ProbeCheck] = []) {
        self.baseURL = baseURL
        self.variables = variables
        self.includeDefaults = includeDefaults
        self.checks = checks
    }

    /// The checks whose URLs are paths (`/health`), which cannot run without a base URL.
    public var checksUsingPaths: [String] {
        checks.filter { $0.steps.contains { $0.url.hasPrefix("/") } }.map(\.name)
    }
}

/// A checks file that cannot be used, with the place and the field: `checks.yml:12:7: checks[1].expect.status: …`.
public struct ProberFileError: Error, Sendable, Equatable, CustomStringConvertible {
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
