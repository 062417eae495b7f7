import Hummingbird
import Logging

/// Runs a Hummingbird router on 127.0.0.1 for a test's stand-in servers, and returns once it listens.
public enum LocalHTTPServer {
    /// Connection churn on shutdown is expected here; only real trouble is worth printing.
    public static let quietLogger: Logger = {
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        return logger
    }()

    /// Starts the router on 127.0.0.1 and returns once it listens: the running server's task (cancel it, and await its
    /// result, to stop the server) and the port it bound. Port 0, the default, lets the system pick a free one.
    public static func start(_ router: Router<BasicRequestContext>, port: Int = 0) async -> (task: Task<Void, any Error>, port: Int) {
        let running = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in running.continuation.yield(channel.localAddress?.port ?? port) }, logger: quietLogger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = running.stream.makeAsyncIterator()
        return (task, await iterator.next() ?? port)
    }
}
