import Foundation
import LookoutConfiguration

/// Secrets from files (Docker and Kubernetes secrets), read by the programs themselves: for each secret-bearing setting
/// `NAME` below, `NAME_FILE` names a file whose content, without its trailing newline, becomes `NAME`'s value. Setting
/// both is refused, and so is a file that cannot be read, with the variable named and the secret never printed. Other
/// `*_FILE` variables (`LOOKOUT_SLO_FILE`, `LOOKOUT_PROBER_CHECKS_FILE`) are paths in their own right and stay as they are.
public enum SecretFiles {
    /// The settings that may be given as files: every one that holds a credential.
    public static let names = [
        "SENTRY_DSN", "LOOKOUT_ADMIN_TOKEN", "LOOKOUT_METRICS_BEARER_TOKEN", "LOOKOUT_METRICS_BASIC_AUTH", "LOOKOUT_PROBER_ACCOUNT_PASSWORD",
        "LOOKOUT_PROBER_TOKEN",
    ]

    /// The environment with each `NAME_FILE` replaced by `NAME` and the file's content.
    public static func resolve(
        _ environment: [String: String], read: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) throws(ConfigurationError) -> [String: String] {
        var resolved = environment
        for name in names {
            let variable = name + "_FILE"
            guard let path = environment[variable] else { continue }
            if environment[name] != nil {
                throw ConfigurationError(variable: variable, value: path, allowed: "either \(name) or \(variable), not both: remove one")
            }
            let content: String
            do {
                content = try read(path)
            } catch {
                throw ConfigurationError(
                    variable: variable, value: path, allowed: "a readable file holding \(name) (is the secret attached to this service?)"
                )
            }
            // One trailing line break, as `echo` or an editor leaves it ("\r\n" is one Character in Swift).
            resolved[name] = content.last?.isNewline == true ? String(content.dropLast()) : content
            resolved[variable] = nil
        }
        return resolved
    }
}
