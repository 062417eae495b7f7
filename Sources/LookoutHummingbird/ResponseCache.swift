import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Serves an expensive, read-only, public response (a status report, a status page) from memory for a few seconds,
/// with `ETag`, `Cache-Control` and `Age`, and one computation however many clients ask at once.
///
/// Status pages are read hardest when something is wrong: everyone refreshes them during an outage. Without this,
/// each request computed its report from the database (issue #20). Here:
///
/// - a body is computed at most once per ``Configuration/maxAge`` per key and served from memory in between; its
///   `Age` header says how old it is (and the reports carry the time they were computed);
/// - requests for a key that is being computed wait for that computation instead of starting their own (a failed
///   one is not kept: every waiter gets its error, the next request tries again);
/// - a client that sends back the `ETag` it has gets `304 Not Modified` without the body;
/// - at most ``Configuration/capacity`` keys are kept (keys such as a report's month come from the client): the
///   oldest computed goes first.
///
/// The clock is injected, so tests move time instead of sleeping.
public final class ResponseCache<C: Clock>: Sendable where C.Duration == Duration {
    public struct Configuration: Sendable {
        /// How long a computed body is served before the next request computes it again. Zero: concurrent requests
        /// still share a computation, nothing is kept after it. Default: 5 seconds.
        public var maxAge: Duration = .seconds(5)
        /// Distinct keys kept at once. Default: 32.
        public var capacity = 32

        public init(maxAge: Duration = .seconds(5), capacity: Int = 32) {
            self.maxAge = maxAge
            self.capacity = capacity
        }
    }

    /// What a computation produces.
    public struct Body: Sendable {
        public var bytes: ByteBuffer
        public var contentType: String
        /// Sent with the body (and with a 304): an HTML page's ``HTMLPageHeaders``.
        public var headers: HTTPFields

        public init(bytes: ByteBuffer, contentType: String, headers: HTTPFields = [:]) {
            self.bytes = bytes
            self.contentType = contentType
            self.headers = headers
        }
    }

    struct Stored: Sendable {
        var body: Body
        var etag: String
        var computedAt: C.Instant
    }

    private enum Slot {
        case ready(Stored)
        case computing(Task<Stored, any Error>)
    }

    public let configuration: Configuration
    private let clock: C
    private let slots = Mutex<[String: Slot]>([:])
    private let computations = Atomic<Int>(0)
    private let joins = Atomic<Int>(0)

    public init(configuration: Configuration = Configuration(), clock: C) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Computations started since the cache was made.
    public var computationCount: Int { computations.load(ordering: .relaxed) }
    /// Requests that found their key being computed and waited for that computation instead of starting one.
    public var joinedCount: Int { joins.load(ordering: .relaxed) }

    /// Forgets every kept body: the next request of each key computes it (after a change the reports must show, such
    /// as a maintenance window declared).
    public func invalidateAll() {
        slots.withLock { slots in slots = slots.filter { if case .computing = $0.value { true } else { false } } }
    }

    /// The response for `key`: kept, or computed by `compute` (once for all the requests asking meanwhile).
    public func response(
        for key: String, request: Request, compute: @escaping @Sendable () async throws -> Body
    ) async throws -> Response {
        let stored = try await value(for: key, compute: compute)
        let age = max(.zero, stored.computedAt.duration(to: clock.now))
        var headers: HTTPFields = [
            .eTag: stored.etag,
            .cacheControl: "public, max-age=\(max(0, configuration.maxAge.components.seconds))",
            .age: String(age.components.seconds),
        ]
        headers.append(contentsOf: stored.body.headers)
        if let tags = request.headers[.ifNoneMatch], Self.matches(tags, stored.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = stored.body.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: stored.body.bytes))
    }

    func value(for key: String, compute: @escaping @Sendable () async throws -> Body) async throws -> Stored {
        let now = clock.now
        let found: Slot = slots.withLock { slots in
            switch slots[key] {
            case .ready(let stored) where now < stored.computedAt.advanced(by: configuration.maxAge):
                return .ready(stored)
            case .computing(let task):
                joins.add(1, ordering: .relaxed)
                return .computing(task)
            default:
                makeRoom(in: &slots, for: key)
                computations.add(1, ordering: .relaxed)
                let clock = clock
                // Detached: the computation serves every request waiting for it, so it must not run in the first one's
                // task-locals (its Sentry scope and trace), nor stop when that client goes away.
                let task = Task.detached {
                    let started = clock.now
                    let body = try await compute()
                    return Stored(body: body, etag: Self.etag(of: body.bytes), computedAt: started)
                }
                slots[key] = .computing(task)
                return .computing(task)
            }
        }
        let task: Task<Stored, any Error>
        switch found {
        case .ready(let stored): return stored
        case .computing(let running): task = running
        }
        do {
            let stored = try await task.value
            slots.withLock { slots in
                if case .computing(let running)? = slots[key], running == task { slots[key] = .ready(stored) }
            }
            return stored
        } catch {
            slots.withLock { slots in
                if case .computing(let running)? = slots[key], running == task { slots[key] = nil }
            }
            throw error
        }
    }

    /// Drops the oldest kept bodies until `key` fits (a computation in progress is never dropped).
    private func makeRoom(in slots: inout [String: Slot], for key: String) {
        while slots[key] == nil, slots.count >= max(1, configuration.capacity) {
            let oldest = slots.compactMap { key, slot -> (String, C.Instant)? in
                if case .ready(let stored) = slot { (key, stored.computedAt) } else { nil }
            }.min { $0.1 < $1.1 }
            guard let oldest else { return }
            slots[oldest.0] = nil
        }
    }

    /// A strong validator: FNV-1a (64 bits) of the body, quoted.
    static func etag(of bytes: ByteBuffer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeReadableBytes { raw in
            for byte in raw {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Whether an `If-None-Match` list (`"a", W/"b"` or `*`) names `etag` (weak comparison, as RFC 9110 asks for it).
    static func matches(_ list: String, _ etag: String) -> Bool {
        list.split(separator: ",").contains { candidate in
            var tag = candidate.drop { $0 == " " || $0 == "\t" }
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag[...]
        }
    }
}
