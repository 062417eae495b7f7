import Foundation
import LookoutConfigFile
import Yams

extension ProberFile {
    /// Reads and checks a checks file. Every problem names the file, line, column and field.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigFileError) -> ProberFile {
        try parse(try YAMLReader.text(path: path), file: path, environment: environment)
    }

    /// Parses checks-file text; `file` is the name used in errors.
    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ConfigFileError) -> ProberFile {
        let yaml = YAMLReader(file: file, environment: environment)
        guard let root = try yaml.root(text) else {
            throw ConfigFileError(file: file, line: 0, column: 0, field: "", message: "is empty; it needs at least `checks:`")
        }
        var reader = Reader(yaml: yaml)
        return try reader.file(root)
    }
}

/// Walks the checks file's tree, turning each field into its typed value or an error that points at it.
private struct Reader {
    let yaml: YAMLReader
    var defaults = Defaults()

    struct Defaults {
        var interval: Duration = .seconds(30)
        var timeout: Duration = .seconds(5)
        var failuresToConfirm = 3
        var tls = TLSSettings()
    }

    init(yaml: YAMLReader) {
        self.yaml = yaml
    }

    mutating func file(_ root: Node) throws(ConfigFileError) -> ProberFile {
        let entries = try yaml.mapping(root, "", allowed: ["base_url", "variables", "include_defaults", "defaults", "checks"])
        var result = ProberFile()
        if let (_, node) = entries["base_url"] {
            let text = try yaml.expanded(node, "base_url")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw yaml.error(node, "base_url", "must be an http:// or https:// URL with a host (got \"\(text)\")")
            }
            result.baseURL = url
        }
        if let (_, node) = entries["variables"] {
            for (name, entry) in try yaml.mapping(node, "variables", allowed: try variableNames(node)) {
                result.variables[name] = try yaml.expanded(entry.value, "variables.\(name)")
            }
        }
        if let (_, node) = entries["include_defaults"] { result.includeDefaults = try yaml.boolean(node, "include_defaults") }
        if let (_, node) = entries["defaults"] {
            let fields = try yaml.mapping(node, "defaults", allowed: ["interval", "timeout", "failures_to_confirm", "tls"])
            if let (_, value) = fields["interval"] { defaults.interval = try yaml.duration(value, "defaults.interval", atLeast: .seconds(1)) }
            if let (_, value) = fields["timeout"] { defaults.timeout = try yaml.duration(value, "defaults.timeout") }
            if let (_, value) = fields["failures_to_confirm"] { defaults.failuresToConfirm = try yaml.integer(value, "defaults.failures_to_confirm", in: 1...100) }
            if let (_, value) = fields["tls"] { defaults.tls = try tls(value, "defaults.tls", base: defaults.tls) }
        }
        guard let (checksKey, checksNode) = entries["checks"] else {
            if result.includeDefaults { return result }
            throw yaml.error(root, "checks", "is missing; list at least one check, or leave include_defaults on")
        }
        var seen: [String: Node] = [:]
        for (index, node) in try yaml.sequence(checksNode, "checks").enumerated() {
            let check = try check(node, "checks[\(index)]", variables: Set(result.variables.keys).union(["base_url", "run_id"]))
            if let first = seen[check.name] {
                throw yaml.error(node, "checks[\(index)].name", "\"\(check.name)\" is already the name of the check on line \(first.mark?.line ?? 0); names must be unique")
            }
            seen[check.name] = node
            result.checks.append(check)
        }
        if result.checks.isEmpty, !result.includeDefaults {
            throw yaml.error(checksKey, "checks", "is empty and include_defaults is false: nothing would be probed")
        }
        return result
    }

    func variableNames(_ node: Node) throws(ConfigFileError) -> [String] {
        guard let mapping = node.mapping else { throw yaml.error(node, "variables", "must be a mapping of names to values") }
        var names: [String] = []
        for (key, _) in mapping {
            guard let name = key.scalar?.string, name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw yaml.error(key, "variables", "variable names are letters, digits and _ (got \"\(key.scalar?.string ?? "?")\")")
            }
            names.append(name)
        }
        return names
    }

    static let stepFields = ["url", "method", "headers", "body", "timeout", "expect", "capture"]
    static let checkFields = ["name", "steps", "interval", "failures_to_confirm", "tls"]

    func check(_ node: Node, _ field: String, variables: Set<String>) throws(ConfigFileError) -> ProbeCheck {
        let entries = try yaml.mapping(node, field, allowed: Self.checkFields + Self.stepFields)
        guard let (_, nameNode) = entries["name"] else { throw yaml.error(node, "\(field).name", "is missing; every check needs a name") }
        let name = try yaml.string(nameNode, "\(field).name")
        guard name.range(of: #"^[A-Za-z0-9_.:-]{1,64}$"#, options: .regularExpression) != nil else {
            throw yaml.error(nameNode, "\(field).name", "must be 1-64 letters, digits, _ . : or - (it becomes a metric label); got \"\(name)\"")
        }
        var check = ProbeCheck(name: name, steps: [], interval: defaults.interval, failuresToConfirm: defaults.failuresToConfirm, tls: defaults.tls)
        if let (_, value) = entries["interval"] { check.interval = try yaml.duration(value, "\(field).interval", atLeast: .seconds(1)) }
        if let (_, value) = entries["failures_to_confirm"] { check.failuresToConfirm = try yaml.integer(value, "\(field).failures_to_confirm", in: 1...100) }
        if let (_, value) = entries["tls"] { check.tls = try tls(value, "\(field).tls", base: check.tls) }

        var known = variables
        if let (stepsKey, stepsNode) = entries["steps"] {
            if let stray = Self.stepFields.first(where: { entries[$0] != nil }), let (strayKey, _) = entries[stray] {
                throw yaml.error(strayKey, "\(field).\(stray)", "a check has either steps or a single request's fields, not both; move \(stray) into a step")
            }
            let nodes = try yaml.sequence(stepsNode, "\(field).steps")
            guard !nodes.isEmpty else { throw yaml.error(stepsKey, "\(field).steps", "is empty; give at least one step") }
            for (index, stepNode) in nodes.enumerated() {
                let stepEntries = try yaml.mapping(stepNode, "\(field).steps[\(index)]", allowed: Self.stepFields)
                check.steps.append(try step(stepNode, stepEntries, "\(field).steps[\(index)]", known: &known))
            }
        } else {
            check.steps = [try step(node, entries, field, known: &known)]
        }
        for (index, step) in check.steps.enumerated() where step.timeout > check.interval {
            let place = check.steps.count == 1 ? field : "\(field).steps[\(index)]"
            throw yaml.error(entries["interval"]?.value ?? node, "\(place).timeout", "(\(step.timeout)) is longer than the interval (\(check.interval)); runs would pile up")
        }
        return check
    }

    func step(
        _ node: Node, _ entries: [String: (key: Node, value: Node)], _ field: String, known: inout Set<String>
    ) throws(ConfigFileError) -> ProbeStep {
        guard let (_, urlNode) = entries["url"] else { throw yaml.error(node, "\(field).url", "is missing; give an absolute URL or a path such as /health") }
        let url = try yaml.expanded(urlNode, "\(field).url")
        try requireKnown(url, urlNode, "\(field).url", known)
        // A path (`/health`) is resolved against the base URL: the file's, or the program's (the backend's own address;
        // LOOKOUT_PROBER_BASE_URL for the standalone prober); see `ProberFile.checksUsingPaths`.
        if !url.hasPrefix("/"), !url.hasPrefix("{{") {
            guard let parsed = URL(string: url.replacingOccurrences(of: "{{", with: "x").replacingOccurrences(of: "}}", with: "x")),
                ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil
            else {
                throw yaml.error(urlNode, "\(field).url", "must be an http:// or https:// URL or a path starting with / (got \"\(url)\")")
            }
        }
        var step = ProbeStep(url: url, timeout: defaults.timeout)
        if let (_, value) = entries["method"] {
            let method = try yaml.string(value, "\(field).method").uppercased()
            guard ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) else {
                throw yaml.error(value, "\(field).method", "must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS (got \"\(method)\")")
            }
            step.method = method
        }
        if let (_, value) = entries["headers"] {
            guard let mapping = value.mapping else { throw yaml.error(value, "\(field).headers", "must be a mapping of header names to values") }
            for (key, headerValue) in mapping {
                let name = try yaml.string(key, "\(field).headers")
                guard name.range(of: #"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"#, options: .regularExpression) != nil else {
                    throw yaml.error(key, "\(field).headers", "\"\(name)\" is not a valid header name")
                }
                let text = try yaml.expanded(headerValue, "\(field).headers.\(name)")
                try requireKnown(text, headerValue, "\(field).headers.\(name)", known)
                step.headers.append((name, text))
            }
        }
        if let (_, value) = entries["body"] {
            let text = try yaml.expanded(value, "\(field).body")
            try requireKnown(text, value, "\(field).body", known)
            step.body = text
        }
        if let (_, value) = entries["timeout"] { step.timeout = try yaml.duration(value, "\(field).timeout") }
        if let (_, value) = entries["expect"] { step.expect = try expectation(value, "\(field).expect", known: known) }
        if let (_, value) = entries["capture"] {
            guard let mapping = value.mapping else { throw yaml.error(value, "\(field).capture", "must map variable names to JSON paths, e.g. token: $.token") }
            for (key, pathNode) in mapping {
                let name = try yaml.string(key, "\(field).capture")
                let path = try yaml.string(pathNode, "\(field).capture.\(name)")
                do { _ = try JSONPath(path) } catch { throw yaml.error(pathNode, "\(field).capture.\(name)", error.description) }
                step.capture[name] = path
            }
            known.formUnion(step.capture.keys)
        }
        return step
    }

    func requireKnown(_ text: String, _ node: Node, _ field: String, _ known: Set<String>) throws(ConfigFileError) {
        for name in ProbeTemplate.names(in: text) where !known.contains(name) {
            throw yaml.error(node, field, "uses {{\(name)}}, which is neither a variable nor captured by an earlier step (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func expectation(_ node: Node, _ field: String, known: Set<String>) throws(ConfigFileError) -> ProbeExpectation {
        let entries = try yaml.mapping(node, field, allowed: ["status", "body_contains", "body_matches", "json", "max_latency"])
        var expect = ProbeExpectation()
        if let (_, value) = entries["status"] {
            let items = value.sequence.map(Array.init) ?? [value]
            guard !items.isEmpty else { throw yaml.error(value, "\(field).status", "is empty; list at least one status code") }
            var statuses = Set<Int>()
            for item in items {
                let text = try yaml.string(item, "\(field).status")
                if text.count == 3, text.hasSuffix("xx"), let hundred = Int(text.prefix(1)), (1...5).contains(hundred) {
                    statuses.formUnion(hundred * 100...(hundred * 100 + 99))
                } else if let code = Int(text), (100...599).contains(code) {
                    statuses.insert(code)
                } else {
                    throw yaml.error(item, "\(field).status", "must be a status code 100-599 or a class such as 2xx (got \"\(text)\")")
                }
            }
            expect.statuses = statuses
        }
        for item in try yaml.list(entries["body_contains"]?.value, "\(field).body_contains") {
            let text = try yaml.expanded(item, "\(field).body_contains")
            try requireKnown(text, item, "\(field).body_contains", known)
            expect.body.append(.contains(text))
        }
        for item in try yaml.list(entries["body_matches"]?.value, "\(field).body_matches") {
            let pattern = try yaml.string(item, "\(field).body_matches")
            do { _ = try Regex(pattern) } catch { throw yaml.error(item, "\(field).body_matches", "is not a valid regular expression: \(error)") }
            expect.body.append(.matches(pattern))
        }
        if let (_, value) = entries["json"] {
            guard let mapping = value.mapping else { throw yaml.error(value, "\(field).json", "must map JSON paths to expected values, e.g. $.status: ok") }
            for (key, expected) in mapping {
                let path = try yaml.string(key, "\(field).json")
                do { _ = try JSONPath(path) } catch { throw yaml.error(key, "\(field).json", error.description) }
                let text = try yaml.expanded(expected, "\(field).json.\(path)")
                try requireKnown(text, expected, "\(field).json.\(path)", known)
                expect.body.append(.jsonPath(path, equals: text))
            }
        }
        if let (_, value) = entries["max_latency"] { expect.maxLatency = try yaml.duration(value, "\(field).max_latency") }
        return expect
    }

    func tls(_ node: Node, _ field: String, base: TLSSettings) throws(ConfigFileError) -> TLSSettings {
        let entries = try yaml.mapping(node, field, allowed: ["expiry_threshold", "ca_file", "insecure_skip_verify"])
        var settings = base
        if let (_, value) = entries["expiry_threshold"] { settings.expiryThreshold = try yaml.duration(value, "\(field).expiry_threshold", atLeast: .zero) }
        if let (_, value) = entries["ca_file"] {
            let path = try yaml.expanded(value, "\(field).ca_file")
            guard FileManager.default.isReadableFile(atPath: path) else { throw yaml.error(value, "\(field).ca_file", "\(path) does not exist or cannot be read") }
            settings.caFile = path
        }
        if let (_, value) = entries["insecure_skip_verify"] { settings.insecureSkipVerify = try yaml.boolean(value, "\(field).insecure_skip_verify") }
        return settings
    }
}
