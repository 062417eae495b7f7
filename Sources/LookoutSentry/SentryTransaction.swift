import Foundation

/// How a transaction got its name, which tells Sentry whether names can be grouped
/// (develop.sentry.dev/sdk/data-model/event-payloads/transaction/#transaction-annotations).
public enum TransactionSource: String, Sendable {
    /// A route template (`/api/v1/generations/{id}`): low cardinality.
    case route
    /// A raw URL path: high cardinality; Sentry may rename it.
    case url
    /// A background task (a job kind).
    case task
    case custom
}

/// Sentry's span status values (develop.sentry.dev/sdk/data-model/event-payloads/span/).
public enum SentrySpanStatus: String, Sendable {
    case ok, cancelled, unknown
    case invalidArgument = "invalid_argument", deadlineExceeded = "deadline_exceeded", notFound = "not_found"
    case alreadyExists = "already_exists", permissionDenied = "permission_denied", resourceExhausted = "resource_exhausted"
    case failedPrecondition = "failed_precondition", aborted, outOfRange = "out_of_range", unimplemented
    case internalError = "internal_error", unavailable, dataLoss = "data_loss", unauthenticated

    /// The status Sentry's SDKs give an HTTP response code.
    public init(httpStatus code: Int) {
        switch code {
        case ..<400: self = .ok
        case 401: self = .unauthenticated
        case 403: self = .permissionDenied
        case 404: self = .notFound
        case 409: self = .alreadyExists
        case 413: self = .failedPrecondition
        case 429: self = .resourceExhausted
        case 499: self = .cancelled
        case 400..<500: self = .invalidArgument
        case 501: self = .unimplemented
        case 503: self = .unavailable
        case 504: self = .deadlineExceeded
        default: self = .internalError
        }
    }
}

/// A finished child span, as it appears in a transaction's `spans`.
public struct SpanRecord: Sendable, Equatable {
    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    public var op: String
    public var description: String?
    public var start: Date
    public var end: Date
    public var status: SentrySpanStatus
    public var data: [String: JSONValue]

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "trace_id": .string(traceID), "span_id": .string(spanID), "op": .string(op), "start_timestamp": .timestamp(start),
            "timestamp": .timestamp(end), "status": .string(status.rawValue),
        ]
        if let parentSpanID { object["parent_span_id"] = .string(parentSpanID) }
        if let description { object["description"] = .string(description) }
        if !data.isEmpty { object["data"] = .object(data) }
        return .object(object)
    }
}

/// A finished transaction: the root span of a unit of work with its child spans, in Sentry's transaction payload
/// format (develop.sentry.dev/sdk/data-model/event-payloads/transaction/).
public struct SentryTransaction: Sendable, Equatable {
    public var eventID = SentryEvent.newID()
    public var name: String
    public var source: TransactionSource
    public var root: SpanRecord
    public var spans: [SpanRecord]
    public var tags: [String: String] = [:]
    public var contexts: [String: JSONValue] = [:]
    public var request: SentryRequest?
    public var user: [String: String] = [:]
    public var release: String?
    public var environment: String?
    public var serverName: String?
    /// The trace header of the envelope: the dynamic sampling context.
    public var dynamicSamplingContext: [String: String] = [:]

    public init(name: String, source: TransactionSource, root: SpanRecord, spans: [SpanRecord]) {
        self.name = name
        self.source = source
        self.root = root
        self.spans = spans
    }

    public func json(sdk: SDKInfo) -> JSONValue {
        var trace: [String: JSONValue] = [
            "trace_id": .string(root.traceID), "span_id": .string(root.spanID), "op": .string(root.op), "status": .string(root.status.rawValue),
        ]
        if let parent = root.parentSpanID { trace["parent_span_id"] = .string(parent) }
        if !root.data.isEmpty { trace["data"] = .object(root.data) }
        var contexts = contexts
        contexts["trace"] = .object(trace)
        var object: [String: JSONValue] = [
            "type": "transaction", "event_id": .string(eventID), "transaction": .string(name), "transaction_info": ["source": .string(source.rawValue)],
            "start_timestamp": .timestamp(root.start), "timestamp": .timestamp(root.end),
            "platform": "other", "sdk": sdk.json, "contexts": .object(contexts), "spans": .array(spans.map(\.json)),
        ]
        if !tags.isEmpty { object["tags"] = .object(tags.mapValues { .string($0) }) }
        if let request { object["request"] = request.json }
        if !user.isEmpty { object["user"] = .object(user.mapValues { .string($0) }) }
        if let release { object["release"] = .string(release) }
        if let environment { object["environment"] = .string(environment) }
        if let serverName { object["server_name"] = .string(serverName) }
        return .object(object)
    }
}

extension Envelope {
    /// An envelope carrying one transaction, with the dynamic sampling context as its `trace` header.
    public init(transaction: SentryTransaction, dsn: DSN?, sdk: SDKInfo = .lookout) {
        self.init(eventID: transaction.eventID, dsn: dsn, sdk: sdk, items: [Item(type: "transaction", value: transaction.json(sdk: sdk))])
        trace = transaction.dynamicSamplingContext
    }
}
