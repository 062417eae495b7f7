import Foundation

/// Reads typed settings from the environment, the one reader of every Lookout setting (`LOOKOUT_*` and the Sentry
/// client's `SENTRY_*`), and remembers which variables it understood, so that a typo stops start-up
/// (``rejectUnknown()``) instead of being ignored. An unusable value is a ``ConfigurationError`` naming the variable,
/// the value (a secret's length only) and what is allowed.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]
    /// Variables whose values are never printed.
    public let secrets: Set<String>
    private var known: Set<String> = []

    public init(environment: [String: String], secrets: Set<String> = []) {
        self.environment = environment
        self.secrets = secrets
    }

    /// Marks a variable as understood without reading it here (it is read elsewhere).
    public mutating func markKnown(_ name: String) { known.insert(name) }

    /// The variables read so far.
    public var knownVariables: Set<String> { known }

    public mutating func value<T>(_ name: String, default fallback: T, allowed: String, parse: (String) -> T?) throws(ConfigurationError) -> T {
        known.insert(name)
        guard let raw = environment[name] else { return fallback }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let value = parse(trimmed) else { throw ConfigurationError(variable: name, value: shown(name, raw), allowed: allowed) }
        return value
    }

    /// A value as an error may print it: a secret's is replaced by its length.
    public func shown(_ name: String, _ raw: String) -> String {
        secrets.contains(name) ? "(secret, \(raw.count) characters)" : raw
    }

    /// A setting without a default: nil when unset, an error when set but unusable.
    public mutating func optional<T>(_ name: String, allowed: String, parse: (String) -> T?) throws(ConfigurationError) -> T? {
        known.insert(name)
        guard let raw = environment[name] else { return nil }
        guard let value = parse(raw.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(variable: name, value: shown(name, raw), allowed: allowed)
        }
        return value
    }

    public mutating func string(_ name: String, default fallback: String, allowed: String) throws(ConfigurationError) -> String {
        try value(name, default: fallback, allowed: allowed) { $0.isEmpty ? nil : $0 }
    }

    public mutating func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>, allowed: String) throws(ConfigurationError) -> Int {
        try value(name, default: fallback, allowed: allowed) { Int($0).flatMap { range.contains($0) ? $0 : nil } }
    }

    public mutating func boolean(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        try value(name, default: fallback, allowed: "true or false") {
            switch $0.lowercased() {
            case "true", "1", "yes", "on": true
            case "false", "0", "no", "off": false
            default: nil
            }
        }
    }

    public mutating func fraction(_ name: String, default fallback: Double) throws(ConfigurationError) -> Double {
        try value(name, default: fallback, allowed: "a number from 0 to 1, e.g. 0.02") { Double($0).flatMap { (0...1).contains($0) ? $0 : nil } }
    }

    public mutating func seconds(_ name: String, default fallback: Duration, in range: ClosedRange<Double>) throws(ConfigurationError) -> Duration {
        try value(name, default: fallback, allowed: "a number of seconds from \(range.lowerBound) to \(range.upperBound)") {
            Double($0).flatMap { range.contains($0) ? Duration.seconds($0) : nil }
        }
    }

    public mutating func milliseconds(_ name: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        try value(name, default: fallback, allowed: "a whole number of milliseconds from 0 to 600000") {
            Int($0).flatMap { (0...600_000).contains($0) ? Duration.milliseconds($0) : nil }
        }
    }

    /// Fails on a variable of Lookout's own namespaces that nobody read: any unknown `LOOKOUT_` variable, and a
    /// `SENTRY_` variable within two edits of one that was read (`SENTRY_TRACE_SAMPLE_RATE`). Other `SENTRY_`
    /// variables belong to other tools (sentry-cli's `SENTRY_AUTH_TOKEN`, `SENTRY_ORG`, `SENTRY_URL`) and are left alone.
    public func rejectUnknown() throws(ConfigurationError) {
        let sentry = known.filter { $0.hasPrefix("SENTRY_") }
        let unknown = environment.keys.filter { name in
            guard !known.contains(name) else { return false }
            if name.hasPrefix("LOOKOUT_") { return true }
            return name.hasPrefix("SENTRY_") && Suggestion.closest(to: name, among: sentry, within: 2) != nil
        }.sorted()
        guard let first = unknown.first else { return }
        let hint = Suggestion.closest(to: first, among: known).map { "did you mean \($0)? " } ?? ""
        let family = known.filter { $0.hasPrefix(first.hasPrefix("SENTRY_") ? "SENTRY_" : "LOOKOUT_") }
        throw ConfigurationError(
            variable: first, value: shown(first, environment[first] ?? ""),
            allowed: "\(hint)remove it or use one of \(family.sorted().joined(separator: ", ")) (see docs/configuration.md)",
            isUnknownVariable: true
        )
    }
}
