import Foundation
import Yams

extension ProberFile {
    /// Reads and checks a checks file. Every problem names the file, line, column and field.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProberFileError) -> ProberFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProberFileError(file: path, line: 0, column: 0, field: "", message: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Parses checks-file text; `file` is the name used in errors.
    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ProberFileError) -> ProberFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ProberFileError(file: file, line: error.line, column: error.column, field: "", message: "is not valid YAML: \(error.problem)")
        } catch {
            throw ProberFileError(file: file, line: 0, column: 0, field: "", message: "is not valid YAML: \(error)")
        }
        guard let root else { throw ProberFileError(file: file, line: 0, column: 0, field: "", message: "is empty; it needs at least `checks:`") }
        var reader = Reader(file: file, environment: environment)
        return try reader.file(root)
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

/// Walks the YAML tree, turning each field into its typed value or an error that points at it.
private struct Reader {
    let file: String
    let environment: [String: String]
    var defaults = Defaults()

    struct Defaults {
        var interval: Duration = .seconds(30)
        var timeout: Duration = .seconds(5)
        var failuresToConfirm = 3
        var tls = TLSSettings()
    }

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func error(_ node: Node?, _ field: String, _ message: String) -> ProberFileError {
        ProberFileError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, field: field, message: message)
    }

    /// The mapping's entries by key, rejecting keys not in `allowed` (with a suggestion) and duplicates.
    func mapping(_ node: Node, _ field: String, allowed: [String]) throws(ProberFileError) -> [String: (key: Node, value: Node)] {
        guard let mapping = node.mapping else { throw error(node, field, "must be a mapping (key: value lines)") }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, field, "keys must be plain names") }
            guard allowed.contains(name) else {
                let suggestion = allowed.min { editDistance($0, name) < editDistance($1, name) }
                let hint = suggestion.map { editDistance($0, name) <= 3 ? " (did you mean \($0)?)" : "" } ?? ""
                throw error(key, join(field, name), "is not a known field\(hint); allowed: \(allowed.joined(separator: ", "))")
            }
            guard entries[name] == nil else { throw error(key, join(field, name), "appears twice") }
            entries[name] = (key, value)
        }
        return entries
    }

    func join(_ field: String, _ name: String) -> String { field.isEmpty ? name : "\(field).\(name)" }

    func string(_ node: Node, _ field: String) throws(ProberFileError) -> String {
        guard let scalar = node.scalar else { throw error(node, field, "must be a single value, not a list or mapping") }
        return scalar.string
    }

    /// A string in which `${NAME}` is replaced from the environment (for secrets that must not sit in the file).
    func expanded(_ node: Node, _ field: String) throws(ProberFileError) -> String {
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

    func boolean(_ node: Node, _ field: String) throws(ProberFileError) -> Bool {
        switch try string(node, field).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(node, field, "must be true or false (got \"\(other)\")")
        }
    }

    func integer(_ node: Node, _ field: String, in range: ClosedRange<Int>) throws(ProberFileError) -> Int {
        let text = try string(node, field)
        guard let value = Int(text), range.contains(value) else {
            throw error(node, field, "must be an integer from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
        }
        return value
    }

    /// `250ms`, `5s`, `2m`, `1h`, `14d` (a bare number is seconds).
    func duration(_ node: Node, _ field: String, atLeast minimum: Duration = .milliseconds(1)) throws(ProberFileError) -> Duration {
        let text = try string(node, field).trimmingCharacters(in: .whitespaces)
        guard let value = Self.parseDuration(text) else {
            throw error(node, field, "must be a duration such as 500ms, 5s, 2m, 1h or 14d (got \"\(text)\")")
        }
        guard value >= minimum else { throw error(node, field, "must be at least \(minimum) (got \(text))") }
        return value
    }

    static func parseDuration(_ text: String) -> Duration? {
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

    func sequence(_ node: Node, _ field: String) throws(ProberFileError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, field, "must be a list (lines starting with -)") }
        return Array(sequence)
    }

    mutating func file(_ root: Node) throws(ProberFileError) -> ProberFile {
        let entries = try mapping(root, "", allowed: ["base_url", "variables", "include_defaults", "defaults", "checks"])
        var result = ProberFile()
        if let (_, node) = entries["base_url"] {
            let text = try expanded(node, "base_url")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw error(node, "base_url", "must be an http:// or https:// URL with a host (got \"\(text)\")")
            }
            result.baseURL = url
        }
        if let (_, node) = entries["variables"] {
            for (name, entry) in try mapping(node, "variables", allowed: try variableNames(node)) {
                result.variables[name] = try expanded(entry.value, "variables.\(name)")
            }
        }
        if let (_, node) = entries["include_defaults"] { result.includeDefaults = try boolean(node, "include_defaults") }
        if let (_, node) = entries["defaults"] {
            let fields = try mapping(node, "defaults", allowed: ["interval", "timeout", "failures_to_confirm", "tls"])
            if let (_, value) = fields["interval"] { defaults.interval = try duration(value, "defaults.interval", atLeast: .seconds(1)) }
            if let (_, value) = fields["timeout"] { defaults.timeout = try duration(value, "defaults.timeout") }
            if let (_, value) = fields["failures_to_confirm"] { defaults.failuresToConfirm = try integer(value, "defaults.failures_to_confirm", in: 1...100) }
            if let (_, value) = fields["tls"] { defaults.tls = try tls(value, "defaults.tls", base: defaults.tls) }
        }
        guard let (checksKey, checksNode) = entries["checks"] else {
            if result.includeDefaults { return result }
            throw error(root, "checks", "is missing; list at least one check, or leave include_defaults on")
        }
        var seen: [String: Node] = [:]
        for (index, node) in try sequence(checksNode, "checks").enumerated() {
            let check = try check(node, "checks[\(index)]", variables: Set(result.variables.keys).union(["base_url", "run_id"]))
            if let first = seen[check.name] {
                throw error(node, "checks[\(index)].name", "\"\(check.name)\" is already the name of the check on line \(first.mark?.line ?? 0); names must be unique")
            }
            seen[check.name] = node
            result.checks.append(check)
        }
        if result.checks.isEmpty, !result.includeDefaults {
            throw error(checksKey, "checks", "is empty and include_defaults is false: nothing would be probed")
        }
        return result
    }

    func variableNames(_ node: Node) throws(ProberFileError) -> [String] {
        guard let mapping = node.mapping else { throw error(node, "variables", "must be a mapping of names to values") }
        var names: [String] = []
        for (key, _) in mapping {
            guard let name = key.scalar?.string, name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw error(key, "variables", "variable names are letters, digits and _ (got \"\(key.scalar?.string ?? "?")\")")
            }
            names.append(name)
        }
        return names
    }

    static let stepFields = ["url", "method", "headers", "body", "timeout", "expect", "capture"]
    static let checkFields = ["name", "steps", "interval", "failures_to_confirm", "tls"]

    func check(_ node: Node, _ field: String, variables: Set<String>) throws(ProberFileError) -> ProbeCheck {
        let entries = try mapping(node, field, allowed: Self.checkFields + Self.stepFields)
        guard let (_, nameNode) = entries["name"] else { throw error(node, "\(field).name", "is missing; every check needs a name") }
        let name = try string(nameNode, "\(field).name")
        guard name.range(of: #"^[A-Za-z0-9_.:-]{1,64}$"#, options: .regularExpression) != nil else {
            throw error(nameNode, "\(field).name", "must be 1-64 letters, digits, _ . : or - (it becomes a metric label); got \"\(name)\"")
        }
        var check = ProbeCheck(name: name, steps: [], interval: defaults.interval, failuresToConfirm: defaults.failuresToConfirm, tls: defaults.tls)
        if let (_, value) = entries["interval"] { check.interval = try duration(value, "\(field).interval", atLeast: .seconds(1)) }
        if let (_, value) = entries["failures_to_confirm"] { check.failuresToConfirm = try integer(value, "\(field).failures_to_confirm", in: 1...100) }
        if let (_, value) = entries["tls"] { check.tls = try tls(value, "\(field).tls", base: check.tls) }

        var known = variables
        if let (stepsKey, stepsNode) = entries["steps"] {
            if let stray = Self.stepFields.first(where: { entries[$0] != nil }), let (strayKey, _) = entries[stray] {
                throw error(strayKey, "\(field).\(stray)", "a check has either steps or a single request's fields, not both; move \(stray) into a step")
            }
            let nodes = try sequence(stepsNode, "\(field).steps")
            guard !nodes.isEmpty else { throw error(stepsKey, "\(field).steps", "is empty; give at least one step") }
            for (index, stepNode) in nodes.enumerated() {
                let stepEntries = try mapping(stepNode, "\(field).steps[\(index)]", allowed: Self.stepFields)
                check.steps.append(try step(stepNode, stepEntries, "\(field).steps[\(index)]", known: &known))
            }
        } else {
            check.steps = [try step(node, entries, field, known: &known)]
        }
        for (index, step) in check.steps.enumerated() where step.timeout > check.interval {
            let place = check.steps.count == 1 ? field : "\(field).steps[\(index)]"
            throw error(entries["interval"]?.value ?? node, "\(place).timeout", "(\(step.timeout)) is longer than the interval (\(check.interval)); runs would pile up")
        }
        return check
    }

    func step(
        _ node: Node, _ entries: [String: (key: Node, value: Node)], _ field: String, known: inout Set<String>
    ) throws(ProberFileError) -> ProbeStep {
        guard let (_, urlNode) = entries["url"] else { throw error(node, "\(field).url", "is missing; give an absolute URL or a path such as /health") }
        let url = try expanded(urlNode, "\(field).url")
        try requireKnown(url, urlNode, "\(field).url", known)
        // A path (`/health`) is resolved against the base URL: the file's, or the program's (the backend's own address;
        // LOOKOUT_PROBER_BASE_URL for the standalone prober); see `ProberFile.checksUsingPaths`.
        if !url.hasPrefix("/"), !url.hasPrefix("{{") {
            guard let parsed = URL(string: url.replacingOccurrences(of: "{{", with: "x").replacingOccurrences(of: "}}", with: "x")),
                ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil
            else {
                throw error(urlNode, "\(field).url", "must be an http:// or https:// URL or a path starting with / (got \"\(url)\")")
            }
        }
        var step = ProbeStep(url: url, timeout: defaults.timeout)
        if let (_, value) = entries["method"] {
            let method = try string(value, "\(field).method").uppercased()
            guard ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) else {
                throw error(value, "\(field).method", "must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS (got \"\(method)\")")
            }
            step.method = method
        }
        if let (_, value) = entries["headers"] {
            guard let mapping = value.mapping else { throw error(value, "\(field).headers", "must be a mapping of header names to values") }
            for (key, headerValue) in mapping {
                let name = try string(key, "\(field).headers")
                guard name.range(of: #"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"#, options: .regularExpression) != nil else {
                    throw error(key, "\(field).headers", "\"\(name)\" is not a valid header name")
                }
                let text = try expanded(headerValue, "\(field).headers.\(name)")
                try requireKnown(text, headerValue, "\(field).headers.\(name)", known)
                step.headers.append((name, text))
            }
        }
        if let (_, value) = entries["body"] {
            let text = try expanded(value, "\(field).body")
            try requireKnown(text, value, "\(field).body", known)
            step.body = text
        }
        if let (_, value) = entries["timeout"] { step.timeout = try duration(value, "\(field).timeout") }
        if let (_, value) = entries["expect"] { step.expect = try expectation(value, "\(field).expect", known: known) }
        if let (_, value) = entries["capture"] {
            guard let mapping = value.mapping else { throw error(value, "\(field).capture", "must map variable names to JSON paths, e.g. token: $.token") }
            for (key, pathNode) in mapping {
                let name = try string(key, "\(field).capture")
                let path = try string(pathNode, "\(field).capture.\(name)")
                do { _ = try JSONPath(path) } catch { throw self.error(pathNode, "\(field).capture.\(name)", error.description) }
                step.capture[name] = path
            }
            known.formUnion(step.capture.keys)
        }
        return step
    }

    func requireKnown(_ text: String, _ node: Node, _ field: String, _ known: Set<String>) throws(ProberFileError) {
        for name in ProbeTemplate.names(in: text) where !known.contains(name) {
            throw error(node, field, "uses {{\(name)}}, which is neither a variable nor captured by an earlier step (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func expectation(_ node: Node, _ field: String, known: Set<String>) throws(ProberFileError) -> ProbeExpectation {
        let entries = try mapping(node, field, allowed: ["status", "body_contains", "body_matches", "json", "max_latency"])
        var expect = ProbeExpectation()
        if let (_, value) = entries["status"] {
            let items = value.sequence.map(Array.init) ?? [value]
            guard !items.isEmpty else { throw error(value, "\(field).status", "is empty; list at least one status code") }
            var statuses = Set<Int>()
            for item in items {
                let text = try string(item, "\(field).status")
                if text.count == 3, text.hasSuffix("xx"), let hundred = Int(text.prefix(1)), (1...5).contains(hundred) {
                    statuses.formUnion(hundred * 100...(hundred * 100 + 99))
                } else if let code = Int(text), (100...599).contains(code) {
                    statuses.insert(code)
                } else {
                    throw error(item, "\(field).status", "must be a status code 100-599 or a class such as 2xx (got \"\(text)\")")
                }
            }
            expect.statuses = statuses
        }
        for item in try list(entries["body_contains"]?.value, "\(field).body_contains") {
            let text = try expanded(item, "\(field).body_contains")
            try requireKnown(text, item, "\(field).body_contains", known)
            expect.body.append(.contains(text))
        }
        for item in try list(entries["body_matches"]?.value, "\(field).body_matches") {
            let pattern = try string(item, "\(field).body_matches")
            do { _ = try Regex(pattern) } catch { throw self.error(item, "\(field).body_matches", "is not a valid regular expression: \(error)") }
            expect.body.append(.matches(pattern))
        }
        if let (_, value) = entries["json"] {
            guard let mapping = value.mapping else { throw error(value, "\(field).json", "must map JSON paths to expected values, e.g. $.status: ok") }
            for (key, expected) in mapping {
                let path = try string(key, "\(field).json")
                do { _ = try JSONPath(path) } catch { throw self.error(key, "\(field).json", error.description) }
                let text = try expanded(expected, "\(field).json.\(path)")
                try requireKnown(text, expected, "\(field).json.\(path)", known)
                expect.body.append(.jsonPath(path, equals: text))
            }
        }
        if let (_, value) = entries["max_latency"] { expect.maxLatency = try duration(value, "\(field).max_latency") }
        return expect
    }

    func list(_ node: Node?, _ field: String) throws(ProberFileError) -> [Node] {
        guard let node else { return [] }
        return node.sequence.map(Array.init) ?? [node]
    }

    func tls(_ node: Node, _ field: String, base: TLSSettings) throws(ProberFileError) -> TLSSettings {
        let entries = try mapping(node, field, allowed: ["expiry_threshold", "ca_file", "insecure_skip_verify"])
        var settings = base
        if let (_, value) = entries["expiry_threshold"] { settings.expiryThreshold = try duration(value, "\(field).expiry_threshold", atLeast: .zero) }
        if let (_, value) = entries["ca_file"] {
            let path = try expanded(value, "\(field).ca_file")
            guard FileManager.default.isReadableFile(atPath: path) else { throw error(value, "\(field).ca_file", "\(path) does not exist or cannot be read") }
            settings.caFile = path
        }
        if let (_, value) = entries["insecure_skip_verify"] { settings.insecureSkipVerify = try boolean(value, "\(field).insecure_skip_verify") }
        return settings
    }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
