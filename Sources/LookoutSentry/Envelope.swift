import Foundation

/// A Sentry envelope (develop.sentry.dev/sdk/envelopes): one JSON header line, then items, each a JSON header line with
/// its `type` and byte `length`, and its payload.
public struct Envelope: Sendable {
    public struct Item: Sendable {
        public var type: String
        public var payload: [UInt8]

        public init(type: String, payload: [UInt8]) {
            self.type = type
            self.payload = payload
        }

        /// An item whose payload is a JSON value.
        public init(type: String, value: JSONValue) {
            self.init(type: type, payload: value.serialized)
        }

        /// An item whose payload is a Foundation JSON object (convenient in tests; slower than ``init(type:value:)``).
        public init(type: String, json: [String: Any]) throws {
            self.init(type: type, payload: Array(try JSONSerialization.data(withJSONObject: json, options: [.withoutEscapingSlashes])))
        }
    }

    public var eventID: String?
    public var dsn: DSN?
    public var sdk: SDKInfo
    public var items: [Item]
    /// The `trace` header (dynamic sampling context) of envelopes that carry a transaction or a traced event.
    public var trace: [String: String] = [:]

    public init(eventID: String?, dsn: DSN?, sdk: SDKInfo = .lookout, items: [Item]) {
        self.eventID = eventID
        self.dsn = dsn
        self.sdk = sdk
        self.items = items
    }

    /// An envelope carrying one error or message event.
    public init(event: SentryEvent, dsn: DSN?, sdk: SDKInfo = .lookout) {
        self.init(eventID: event.eventID, dsn: dsn, sdk: sdk, items: [Item(type: "event", value: event.json(sdk: sdk))])
    }

    /// The wire form. `sentAt` is stamped once, when the envelope is actually sent.
    public func serialized(sentAt: Date = Date()) -> [UInt8] {
        var header: [String: JSONValue] = ["sdk": sdk.json, "sent_at": .string(Self.rfc3339(sentAt))]
        if let eventID { header["event_id"] = .string(eventID) }
        if let dsn { header["dsn"] = .string(dsn.description) }
        if !trace.isEmpty { header["trace"] = .object(trace.mapValues { .string($0) }) }
        var bytes = JSONValue.object(header).serialized
        for item in items {
            bytes.append(UInt8(ascii: "\n"))
            let itemHeader: JSONValue = ["type": .string(item.type), "length": .int(Int64(item.payload.count)), "content_type": "application/json"]
            itemHeader.write(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
            bytes += item.payload
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+0000", with: "Z")
    }
}
