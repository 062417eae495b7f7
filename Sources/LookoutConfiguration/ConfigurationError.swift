/// A setting that cannot be used. The message names the variable, the value and what is allowed.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var value: String
    /// What would be accepted instead, or for an unknown variable the known ones.
    public var allowed: String
    /// True when the variable is not a setting at all (usually a typo).
    public var isUnknownVariable = false

    public init(variable: String, value: String, allowed: String, isUnknownVariable: Bool = false) {
        self.variable = variable
        self.value = value
        self.allowed = allowed
        self.isUnknownVariable = isUnknownVariable
    }

    public var description: String {
        if isUnknownVariable { return "invalid configuration: \(variable)=\"\(value)\" is not a Lookout setting; \(allowed)" }
        return "invalid configuration: \(variable)=\"\(value)\" is not allowed; expected \(allowed)"
    }
}
