import Foundation
import LookoutBacktrace

/// Severity, as Sentry spells it.
public enum SentryLevel: String, Sendable, CaseIterable {
    case debug, info, warning, error, fatal
}

/// A breadcrumb: something that happened before an event.
public struct Breadcrumb: Sendable, Equatable {
    public var timestamp: Date
    public var category: String?
    public var message: String?
    public var level: SentryLevel
    public var type: String
    public var data: [String: JSONValue]

    public init(
        timestamp: Date = Date(), category: String? = nil, message: String? = nil, level: SentryLevel = .info, type: String = "default",
        data: [String: JSONValue] = [:]
    ) {
        self.timestamp = timestamp
        self.category = category
        self.message = message
        self.level = level
        self.type = type
        self.data = data
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["timestamp": .timestamp(timestamp), "level": .string(level.rawValue), "type": .string(type)]
        if let category { object["category"] = .string(category) }
        if let message { object["message"] = .string(message) }
        if !data.isEmpty { object["data"] = .object(data) }
        return .object(object)
    }
}

/// One exception of an event: a Swift error's type and message, and how it was caught.
public struct SentryException: Sendable, Equatable {
    public var type: String
    public var value: String
    public var module: String?
    /// `handled: false` marks errors that escaped to a top-level handler (a request that became a 500).
    public var mechanism: (type: String, handled: Bool)
    /// Where the error was made, for errors that record it (``BacktraceCarrying``); sent as the exception's stack trace.
    public var backtrace: CapturedBacktrace?

    public init(
        type: String, value: String, module: String? = nil, mechanismType: String = "generic", handled: Bool = true,
        backtrace: CapturedBacktrace? = nil
    ) {
        self.type = type
        self.value = value
        self.module = module
        self.mechanism = (mechanismType, handled)
        self.backtrace = backtrace
    }

    /// Describes a Swift error: its type name (module-qualified when Swift gives one, without the build-specific
    /// `(unknown context at $…)` of private types), its description, and where it was made if it recorded that.
    public init(error: any Error, handled: Bool, mechanismType: String = "generic") {
        let fullType = Self.stableTypeName(String(reflecting: Swift.type(of: error)))
        let parts = fullType.split(separator: ".", maxSplits: 1)
        self.init(
            type: parts.count == 2 ? String(parts[1]) : fullType, value: String(describing: error),
            module: parts.count == 2 ? String(parts[0]) : nil, mechanismType: mechanismType, handled: handled,
            backtrace: (error as? any BacktraceCarrying)?.backtrace
        )
    }

    /// `Module.(unknown context at $55d1c0e8).Failure` → `Module.Failure`: the address changes with every build and would
    /// split one issue into one per release.
    static func stableTypeName(_ name: String) -> String {
        var name = name
        while let start = name.range(of: "(unknown context at $") {
            guard let end = name[start.upperBound...].firstIndex(of: ")") else { break }
            var upper = name.index(after: end)
            if upper < name.endIndex, name[upper] == "." { upper = name.index(after: upper) }
            name.removeSubrange(start.lowerBound..<upper)
        }
        return name
    }

    public static func == (lhs: SentryException, rhs: SentryException) -> Bool {
        lhs.type == rhs.type && lhs.value == rhs.value && lhs.module == rhs.module && lhs.mechanism == rhs.mechanism
    }

    func json(stacktrace: SentryStacktrace?) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(type), "value": .string(value), "mechanism": ["type": .string(mechanism.type), "handled": .bool(mechanism.handled)],
        ]
        if let module { object["module"] = .string(module) }
        if let stacktrace, !stacktrace.frames.isEmpty { object["stacktrace"] = stacktrace.json }
        return .object(object)
    }
}

/// The HTTP request an event happened in. The URL carries no query string (it may hold secrets).
public struct SentryRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var data: JSONValue?

    public init(method: String, url: String, headers: [String: String] = [:], data: JSONValue? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.data = data
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["method": .string(method), "url": .string(url)]
        if !headers.isEmpty { object["headers"] = .object(headers.mapValues { .string($0) }) }
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// An error or message event, in Sentry's event payload format (develop.sentry.dev/sdk/data-model/event-payloads).
public struct SentryEvent: Sendable, Equatable {
    /// 32 lowercase hex digits.
    public var eventID: String
    public var timestamp: Date
    public var level: SentryLevel
    /// Sentry has no `swift` platform; `other` is the documented fallback.
    public var platform = "other"
    public var logger: String?
    public var transaction: String?
    public var serverName: String?
    public var release: String?
    public var environment: String?
    /// A message event's text, sent as `logentry` (not the legacy top-level `message`).
    public var message: String?
    public var exceptions: [SentryException]
    public var tags: [String: String]
    public var extra: [String: JSONValue]
    public var contexts: [String: JSONValue]
    /// `id` always; `email`, `username` and `ip_address` only when sending PII is on.
    public var user: [String: String]
    public var request: SentryRequest?
    public var breadcrumbs: [Breadcrumb]
    public var fingerprint: [String]
    /// Where the event was captured; sent as the current thread's stack (``SentryOptions/attachStacktrace``). An
    /// exception's own ``SentryException/backtrace`` says where the error was made, which is what issues group on.
    public var backtrace: CapturedBacktrace?

    public init(
        eventID: String = SentryEvent.newID(), timestamp: Date = Date(), level: SentryLevel = .error, message: String? = nil,
        exceptions: [SentryException] = [], tags: [String: String] = [:], extra: [String: JSONValue] = [:],
        contexts: [String: JSONValue] = [:], user: [String: String] = [:], request: SentryRequest? = nil,
        breadcrumbs: [Breadcrumb] = [], fingerprint: [String] = []
    ) {
        self.eventID = eventID
        self.timestamp = timestamp
        self.level = level
        self.message = message
        self.exceptions = exceptions
        self.tags = tags
        self.extra = extra
        self.contexts = contexts
        self.user = user
        self.request = request
        self.breadcrumbs = breadcrumbs
        self.fingerprint = fingerprint
    }

    /// A new random event id: 32 lowercase hex digits (128 random bits, as a UUID v4 without dashes).
    public static func newID() -> String { RandomID.hex128() }

    /// The payload as a JSON object. Symbolicates the backtraces (tens of microseconds each once the symbols are
    /// loaded): call it off the request path, as the transport does.
    public func json(sdk: SDKInfo, inApp: InAppRule = InAppRule()) -> JSONValue {
        var object: [String: JSONValue] = [
            "event_id": .string(eventID), "timestamp": .timestamp(timestamp), "level": .string(level.rawValue), "platform": .string(platform),
            "sdk": sdk.json,
        ]
        if let logger { object["logger"] = .string(logger) }
        if let transaction { object["transaction"] = .string(transaction) }
        if let serverName { object["server_name"] = .string(serverName) }
        if let release { object["release"] = .string(release) }
        if let environment { object["environment"] = .string(environment) }
        if let message { object["logentry"] = ["formatted": .string(message)] }
        var images: [JSONValue] = []
        func stacktrace(_ backtrace: CapturedBacktrace?, errorType: String? = nil) -> SentryStacktrace? {
            guard let backtrace else { return nil }
            let stacktrace = SentryStacktrace(backtrace, inApp: inApp, errorType: errorType)
            images += stacktrace.images.filter { !images.contains($0) }
            return stacktrace
        }
        if !exceptions.isEmpty { object["exception"] = ["values": .array(exceptions.map { $0.json(stacktrace: stacktrace($0.backtrace, errorType: $0.type)) })] }
        if let backtrace, let thread = stacktrace(backtrace), !thread.frames.isEmpty {
            object["threads"] = ["values": [["id": .int(Int64(backtrace.threadID)), "current": true, "crashed": false, "stacktrace": thread.json]]]
        }
        if !images.isEmpty { object["debug_meta"] = ["images": .array(images)] }
        if !tags.isEmpty { object["tags"] = .object(tags.mapValues { .string($0) }) }
        if !extra.isEmpty { object["extra"] = .object(extra) }
        if !contexts.isEmpty { object["contexts"] = .object(contexts) }
        if !user.isEmpty { object["user"] = .object(user.mapValues { .string($0) }) }
        if let request { object["request"] = request.json }
        if !breadcrumbs.isEmpty { object["breadcrumbs"] = ["values": .array(breadcrumbs.map(\.json))] }
        if !fingerprint.isEmpty { object["fingerprint"] = .array(fingerprint.map { .string($0) }) }
        return .object(object)
    }
}

/// Identifies this SDK in payloads and the auth header.
public struct SDKInfo: Sendable, Equatable {
    public var name: String
    public var version: String

    public static let lookout = SDKInfo(name: "lookout.swift", version: "0.1.0")

    public var json: JSONValue { ["name": .string(name), "version": .string(version)] }
    /// `lookout.swift/0.1.0`, for `sentry_client`.
    public var clientName: String { "\(name)/\(version)" }
}

extension SentryEvent {
    /// Replaces ids in exception values (UUIDs, prefixed ids such as `usr_…`, long hex and long numbers) with
    /// placeholders, so that one bug is one issue whatever ids its message names; the original values go to `extra`
    /// (`exception_value`, `exception_value.1`, …).
    mutating func parameterizeExceptionValues() {
        for index in exceptions.indices {
            let original = exceptions[index].value
            let parameterized = ExceptionValue.parameterized(original)
            guard parameterized != original else { continue }
            exceptions[index].value = parameterized
            extra[index == 0 ? "exception_value" : "exception_value.\(index)"] = .string(original)
        }
    }
}

/// The placeholders of ``SentryEvent/parameterizeExceptionValues()``, applied in this order.
enum ExceptionValue {
    static let patterns: [(NSRegularExpression, String)] = [
        (#"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"#, "<uuid>"),
        (#"\b[a-z]{2,8}_[A-Za-z0-9_-]{8,}"#, "<id>"),
        (#"\b(?:0x)?(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"#, "<hex>"),
        (#"\b[0-9]{4,}\b"#, "<n>"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    static func parameterized(_ value: String) -> String {
        // The common case, no digit at all, costs one pass over the bytes.
        guard value.utf8.contains(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return value }
        var result = value
        for (pattern, placeholder) in patterns { result = Scrubber.replace(pattern, in: result, with: placeholder) }
        return result
    }
}
