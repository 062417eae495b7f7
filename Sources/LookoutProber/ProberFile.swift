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
