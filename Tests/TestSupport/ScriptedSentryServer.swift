import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LookoutSentry
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local stand-in for Sentry that answers envelope posts as a test scripts it: a status with headers, or a hang.
/// It records every envelope it accepted (2xx), ungzipped and parsed, with the request headers.
/// For failure modes a real Sentry-protocol server cannot be made to show; happy paths are tested against bugsink.
public final class ScriptedSentryServer: Sendable {
    public enum Reply: Sendable {
        case status(Int, headers: [String: String] = [:])
        case hang
    }

    public struct Received: Sendable {
        public var envelope: Envelope
        public var headers: [String: String]
        public var gzipped: Bool
    }

    private struct State {
        var script: [Reply] = []
        public var received: [Received] = []
        var requests = 0
    }

    public static var quietLogger: Logger { LocalHTTPServer.quietLogger }

    /// The port the server bound (set once it listens).
    public var port: Int { boundPort.withLock { $0 } }
    private let boundPort = Mutex(0)
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, any Error>?>(nil)

    /// Starts a server on `port` (by default one the system picks) and returns once it listens.
    public init(port: Int = 0, script: [Reply] = []) async throws {
        state.withLock { $0.script = script }
        let router = Router()
        router.post("/api/:project/envelope/") { request, _ -> Response in
            var body = try await request.body.collect(upTo: 10 << 20)
            let gzipped = request.headers[.contentEncoding] == "gzip"
            if gzipped { body = try body.decompress(with: .gzip()) }
            let reply = self.state.withLock { state -> Reply in
                state.requests += 1
                return state.script.isEmpty ? .status(200) : state.script.removeFirst()
            }
            switch reply {
            case .hang:
                try await Task.sleep(for: .seconds(60))
                return Response(status: .ok)
            case .status(let code, let headers):
                if (200..<300).contains(code) {
                    let envelope = try Envelope(parsing: Array(buffer: body))
                    var seen: [String: String] = [:]
                    for field in request.headers { seen[field.name.canonicalName] = field.value }
                    self.state.withLock { $0.received.append(Received(envelope: envelope, headers: seen, gzipped: gzipped)) }
                }
                var fields = HTTPFields()
                for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
                return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
        }
        let server = await LocalHTTPServer.start(router, port: port)
        boundPort.withLock { $0 = server.port }
        task.withLock { $0 = server.task }
    }

    public func append(_ replies: Reply...) { state.withLock { $0.script += replies } }
    public var received: [Received] { state.withLock { $0.received } }
    public var requests: Int { state.withLock { $0.requests } }
    public var dsn: DSN { try! DSN("http://publickey@127.0.0.1:\(port)/1") }

    /// Items of one type across everything received.
    public func items(_ type: String) -> [Envelope.Item] { received.flatMap(\.envelope.items).filter { $0.type == type } }

    /// The discard counts in every client report received, summed.
    public func reportedDiscards() -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in items("client_report") {
            let json = try? JSONSerialization.jsonObject(with: Data(item.payload)) as? [String: Any]
            for entry in json?["discarded_events"] as? [[String: Any]] ?? [] {
                counts["\(entry["reason"]!)/\(entry["category"]!)", default: 0] += entry["quantity"] as? Int ?? 0
            }
        }
        return counts
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = await running?.result
    }
}

/// How long a test waits for something before it calls it a hang.
public enum TestTimeouts {
    /// Never a statement about speed: an event a test waits for arrives when it arrives (on two cores running every
    /// suite at once that can be a minute), and this only stops a test that would otherwise wait forever.
    public static let hangGuard: Duration = .seconds(300)
}

/// Waits for a condition that another task makes true: true as soon as it holds, false if it still does not after
/// `timeout` (the caller's `#expect` then fails, with the test's own message). The timeout is a guard against a hang,
/// not an expectation of speed: keep the default unless the wait is known to be longer.
public func eventually(timeout: Duration = TestTimeouts.hangGuard, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
