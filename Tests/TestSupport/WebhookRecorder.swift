import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local HTTP endpoint that records every POST it receives and answers 202, standing in for the services
/// Alertmanager notifies outside this machine (PagerDuty's Events API v2, a heartbeat monitor).
public final class WebhookRecorder: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var body: String
        /// The body parsed as a JSON object, when it is one.
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    /// The port the server bound (set once it listens).
    public var port: Int { boundPort.withLock { $0 } }
    private let boundPort = Mutex(0)
    private let received = Mutex<[Received]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)

    public init(port: Int = 0) async throws {
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.received.withLock { $0.append(Received(path: request.uri.path, body: String(buffer: body))) }
            return Response(status: .accepted, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"success","message":"Event processed"}"#)))
        }
        let server = await LocalHTTPServer.start(router, port: port)
        boundPort.withLock { $0 = server.port }
        task.withLock { $0 = server.task }
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var requests: [Received] { received.withLock { $0 } }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = await running?.result
    }
}
