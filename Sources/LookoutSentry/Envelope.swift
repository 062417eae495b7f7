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

        /// An item whose payload is a JSON object.
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
    public init(event: SentryEvent, dsn: DSN?, sdk: SDKInfo = .lookout) throws {
        self.init(eventID: event.eventID, dsn: dsn, sdk: sdk, items: [try Item(type: "event", json: event.json(sdk: sdk))])
    }

    /// The wire form. `sentAt` is stamped once, when the envelope is actually sent.
    public func serialized(sentAt: Date = Date()) throws -> [UInt8] {
        var header: [String: Any] = ["sdk": sdk.json, "sent_at": Self.rfc3339(sentAt)]
        if let eventID { header["event_id"] = eventID }
        if let dsn { header["dsn"] = dsn.description }
        if !trace.isEmpty { header["trace"] = trace }
        var bytes = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        for item in items {
            bytes.append(UInt8(ascii: "\n"))
            let itemHeader: [String: Any] = ["type": item.type, "length": item.payload.count, "content_type": "application/json"]
            bytes += Array(try JSONSerialization.data(withJSONObject: itemHeader, options: [.sortedKeys]))
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
