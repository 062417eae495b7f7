import Foundation

/// Runs one check once: each step in order, stopping at the first failure, and judges the answers.
public struct ProbeRunner: Sendable {
    let client: HTTPProbeClient
    /// Resolves step URLs that are paths (`/health`). Nil: every URL must be absolute.
    let baseURL: URL?
    /// Variables every step can use (`{{name}}`), besides `base_url`, `run_id` and the values captured by earlier steps.
    let variables: [String: String]
    /// Sent in ``probeHeader`` to the base URL's origin only, so that the service can tell the prober's requests from
    /// users' (they count toward `availability`, not the request SLOs). Never sent to other hosts: it is a secret.
    let probeSecret: String?
    let now: @Sendable () -> Date

    /// The header that carries ``probeSecret``; the service's `RequestFilter` reads the same one.
    public static let probeHeader = "X-Lookout-Probe"

    public init(
        client: HTTPProbeClient, baseURL: URL? = nil, variables: [String: String] = [:], probeSecret: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.baseURL = baseURL
        self.variables = variables
        self.probeSecret = probeSecret.flatMap { $0.isEmpty ? nil : $0 }
        self.now = now
    }

    public func run(_ check: ProbeCheck) async -> ProbeOutcome {
        let startedAt = now()
        let clock = ContinuousClock()
        let start = clock.now
        var variables = self.variables
        if let baseURL { variables["base_url"] = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString }
        variables["run_id"] = Self.runID()
        var phases: [ProbePhase: Double] = [:]
        var expiry: Date?
        var status = 0

        func outcome(_ failure: ProbeFailureReason?, _ detail: String) -> ProbeOutcome {
            ProbeOutcome(
                check: check.name, startedAt: startedAt, duration: (clock.now - start).seconds, failure: failure, detail: detail,
                statusCode: status, phases: phases, certificateExpiry: expiry
            )
        }
        func merge(_ stepPhases: [ProbePhase: Double], _ stepExpiry: Date?) {
            phases.merge(stepPhases, uniquingKeysWith: +)
            if let stepExpiry { expiry = min(expiry ?? stepExpiry, stepExpiry) }
        }

        for (index, step) in check.steps.enumerated() {
            let label = check.steps.count == 1 ? "" : "step \(index + 1): "
            let request: HTTPProbeClient.Request
            do {
                request = try resolve(step, tls: check.tls, variables: variables)
            } catch {
                return outcome(.invalid, label + error.description)
            }
            let stepStart = clock.now
            let response: HTTPProbeClient.Response
            do {
                response = try await client.execute(request)
            } catch {
                merge(error.phases, error.certificateExpiry)
                return outcome(error.reason, "\(label)\(request.method) \(request.url.absoluteString): \(error.description)")
            }
            let elapsed = clock.now - stepStart
            merge(response.phases, response.certificateExpiry)
            status = response.status
            let target = "\(request.method) \(request.url.absoluteString)"
            guard step.expect.statuses.contains(response.status) else {
                return outcome(.status, "\(label)\(target): expected status \(Self.describe(step.expect.statuses)), got \(response.status)")
            }
            let json = step.expect.body.contains(where: \.needsJSON) || !step.capture.isEmpty ? JSONNode.parse(response.body) : nil
            for assertion in step.expect.body {
                if let problem = Self.check(assertion, body: response.body, json: json, variables: variables) {
                    return outcome(.body, "\(label)\(target): \(problem)")
                }
            }
            for (name, path) in step.capture.sorted(by: { $0.key < $1.key }) {
                guard let parsed = try? JSONPath(path), let json, let value = parsed.evaluate(json) else {
                    return outcome(.body, "\(label)\(target): no value at \(path) to capture as \(name)")
                }
                variables[name] = value.text
            }
            if let limit = step.expect.maxLatency, elapsed > limit {
                return outcome(.latency, "\(label)\(target): answered in \(Self.format(elapsed)), more than the allowed \(Self.format(limit))")
            }
            if let certificate = response.certificateExpiry {
                let left = certificate.timeIntervalSince(now())
                if left < check.tls.expiryThreshold.seconds {
                    let days = left / 86_400
                    return outcome(
                        .certificateExpiry,
                        "\(label)\(target): the certificate expires in \(String(format: "%.1f", days)) days (\(certificate)), within the threshold of \(String(format: "%.0f", check.tls.expiryThreshold.seconds / 86_400)) days"
                    )
                }
            }
        }
        return outcome(nil, "ok")
    }

    private func resolve(_ step: ProbeStep, tls: TLSSettings, variables: [String: String]) throws(ProbeTemplateError) -> HTTPProbeClient.Request {
        var text = try ProbeTemplate.substitute(step.url, variables)
        if text.hasPrefix("/") {
            guard let base = variables["base_url"] else { throw ProbeTemplateError(description: "\(text) is a path but no base URL is configured") }
            text = base + text
        }
        guard let url = URL(string: text) else { throw ProbeTemplateError(description: "\(text) is not a valid URL") }
        var headers: [(name: String, value: String)] = []
        for header in step.headers { headers.append((header.name, try ProbeTemplate.substitute(header.value, variables))) }
        if let probeSecret, let baseURL, Self.sameOrigin(url, baseURL) { headers.append((Self.probeHeader, probeSecret)) }
        let body = try step.body.map { body throws(ProbeTemplateError) in try ProbeTemplate.substitute(body, variables) }
        return HTTPProbeClient.Request(url: url, method: step.method, headers: headers, body: body, timeout: step.timeout, tls: tls)
    }

    static func sameOrigin(_ lhs: URL, _ rhs: URL) -> Bool {
        func origin(_ url: URL) -> (String, String, Int)? {
            guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
            return (scheme, host, url.port ?? (scheme == "https" ? 443 : 80))
        }
        guard let left = origin(lhs), let right = origin(rhs) else { return false }
        return left == right
    }

    /// Nil when the assertion holds, otherwise what was wrong.
    static func check(_ assertion: BodyAssertion, body: [UInt8], json: JSONNode?, variables: [String: String]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        switch assertion {
        case .contains(let needle):
            let needle = (try? ProbeTemplate.substitute(needle, variables)) ?? needle
            return text.contains(needle) ? nil : "the body does not contain \"\(needle)\"; it begins \(excerpt(text))"
        case .matches(let pattern):
            guard let regex = try? Regex(pattern) else { return "the pattern \(pattern) is not a valid regular expression" }
            return text.contains(regex) ? nil : "the body does not match /\(pattern)/; it begins \(excerpt(text))"
        case .jsonPath(let path, let expected):
            let expected = (try? ProbeTemplate.substitute(expected, variables)) ?? expected
            guard let json else { return "the body is not JSON; it begins \(excerpt(text))" }
            guard let parsed = try? JSONPath(path), let value = parsed.evaluate(json) else { return "the JSON has no value at \(path)" }
            return value.text == expected ? nil : "\(path) is \"\(value.text)\", expected \"\(expected)\""
        }
    }

    static func excerpt(_ text: String) -> String {
        let flat = text.prefix(80).replacingOccurrences(of: "\n", with: " ")
        return "\"\(flat)\(text.count > 80 ? "…" : "")\""
    }

    static func describe(_ statuses: Set<Int>) -> String {
        if statuses == Set(200...299) { return "2xx" }
        let sorted = statuses.sorted().map(String.init)
        return sorted.count <= 6 ? sorted.joined(separator: ", ") : sorted.prefix(6).joined(separator: ", ") + ", …"
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    static func runID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}

extension BodyAssertion {
    var needsJSON: Bool {
        if case .jsonPath = self { return true }
        return false
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `{{name}}` substitution in URLs, headers, bodies and expected values.
enum ProbeTemplate {
    static func substitute(_ text: String, _ variables: [String: String]) throws(ProbeTemplateError) -> String {
        guard text.contains("{{") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ProbeTemplateError(description: "\"\(text)\" opens {{ without closing it")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = variables[name] else {
                throw ProbeTemplateError(description: "unknown variable {{\(name)}} (known: \(variables.keys.sorted().joined(separator: ", ")))")
            }
            result += value
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// The variable names a text uses.
    static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }
}

struct ProbeTemplateError: Error, Sendable, CustomStringConvertible {
    var description: String
}
