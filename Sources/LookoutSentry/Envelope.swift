import Foundation
import Synchronization

/// A Sentry envelope (develop.sentry.dev/sdk/envelopes): one JSON header line, then items, each a JSON header line with
/// its `type` and byte `length`, and its payload.
public struct Envelope: Sendable {
    public struct Item: Sendable {
        public var type: String
        private var bytes: DeferredBytes
        /// For a transaction: its spans and its root, the `span` quantity client reports count when it is dropped.
        /// Set by the client; read from the payload for an item read back from the spool.
        public var spanCount: Int?

        /// The payload's bytes. For an item made with ``init(type:deferred:)``, made on first use and kept.
        public var payload: [UInt8] {
            get { bytes.value }
            set { bytes = DeferredBytes(newValue) }
        }

        public init(type: String, payload: [UInt8]) {
            self.type = type
            self.bytes = DeferredBytes(payload)
        }

        /// An item whose payload is made when it is first needed: by the transport's own task (to spool or send it),
        /// never on the caller's, and never at all for an item dropped before (queue full, rate limited). A capture
        /// hands over its scrubbing and serialisation this way.
        public init(type: String, deferred make: @escaping @Sendable () -> [UInt8]) {
            self.type = type
            self.bytes = DeferredBytes(make)
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

    /// The spans a dropped item takes with it, for client reports: a transaction's spans and root, else none.
    static func spansDropped(with item: Item) -> Int {
        guard item.type == "transaction" else { return 0 }
        if let count = item.spanCount { return count }
        let object = try? JSONSerialization.jsonObject(with: Data(item.payload)) as? [String: Any]
        return ((object?["spans"] as? [Any])?.count ?? 0) + 1
    }

    /// The bytes its items' payloads take, making deferred payloads now: what it holds in memory once they are made
    /// (headers aside). Call it where a payload may be made (the transport's thread), not on the caller's.
    public var payloadBytes: Int { items.reduce(0) { $0 + $1.payload.count } }

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

/// Bytes made once, on first use, by whichever task asks first.
final class DeferredBytes: Sendable {
    private enum State {
        case ready([UInt8])
        case pending(@Sendable () -> [UInt8])
    }

    private let state: Mutex<State>

    init(_ bytes: [UInt8]) { state = Mutex(.ready(bytes)) }
    init(_ make: @escaping @Sendable () -> [UInt8]) { state = Mutex(.pending(make)) }

    var value: [UInt8] {
        state.withLock { state in
            switch state {
            case .ready(let bytes):
                return bytes
            case .pending(let make):
                let bytes = make()
                state = .ready(bytes)
                return bytes
            }
        }
    }
}
