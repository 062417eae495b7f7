import Foundation

extension Envelope.Item {
    /// The rate-limit and client-report category of this item (develop.sentry.dev/sdk/expected-features/rate-limiting).
    public var category: String {
        switch type {
        case "event": "error"
        case "transaction": "transaction"
        case "session", "sessions": "session"
        case "attachment": "attachment"
        case "check_in": "monitor"
        case "client_report": "internal"
        default: "default"
        }
    }
}

extension Envelope {
    /// Why bytes could not be read back as an envelope (a damaged spool file).
    public struct WireError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the wire form back: the inverse of ``serialized(sentAt:)``. `sent_at` is not kept; it is stamped anew when
    /// the envelope is sent again, so that Sentry's clock-drift correction stays right for spooled envelopes.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        var cursor = bytes.startIndex
        func line() -> ArraySlice<UInt8>? {
            guard cursor < bytes.endIndex else { return nil }
            let end = bytes[cursor...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            defer { cursor = min(end + 1, bytes.endIndex) }
            return bytes[cursor..<end]
        }
        func object(_ slice: ArraySlice<UInt8>?) throws(WireError) -> [String: Any] {
            guard let slice, let value = try? JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any] else {
                throw WireError(description: "a header line is not a JSON object")
            }
            return value
        }
        let header = try object(line())
        var items: [Item] = []
        while cursor < bytes.endIndex {
            guard let headerLine = line() else { break }
            if headerLine.isEmpty { continue }
            let itemHeader = try object(headerLine)
            guard let type = itemHeader["type"] as? String else { throw WireError(description: "an item header has no type") }
            let payload: ArraySlice<UInt8>
            if let length = itemHeader["length"] as? Int {
                guard length >= 0, cursor + length <= bytes.endIndex else { throw WireError(description: "an item is shorter than its length") }
                payload = bytes[cursor..<cursor + length]
                cursor = min(cursor + length + 1, bytes.endIndex)
            } else {
                payload = line() ?? []
            }
            items.append(Item(type: type, payload: Array(payload)))
        }
        let sdk = (header["sdk"] as? [String: Any]).flatMap { json -> SDKInfo? in
            guard let name = json["name"] as? String, let version = json["version"] as? String else { return nil }
            return SDKInfo(name: name, version: version)
        }
        self.init(
            eventID: header["event_id"] as? String, dsn: (header["dsn"] as? String).flatMap { try? DSN($0) }, sdk: sdk ?? .lookout,
            items: items
        )
        trace = header["trace"] as? [String: String] ?? [:]
    }

    /// A `client_report` item carrying discard counts (develop.sentry.dev/sdk/telemetry/client-reports).
    public static func clientReport(_ counts: [DiscardCounter.Key: Int], timestamp: Date = Date()) -> Item {
        let discarded = counts.sorted { ($0.key.reason.rawValue, $0.key.category) < ($1.key.reason.rawValue, $1.key.category) }
            .map { JSONValue.object(["reason": .string($0.key.reason.rawValue), "category": .string($0.key.category), "quantity": .int(Int64($0.value))]) }
        return Item(type: "client_report", value: ["timestamp": .timestamp(timestamp), "discarded_events": .array(discarded)])
    }
}
