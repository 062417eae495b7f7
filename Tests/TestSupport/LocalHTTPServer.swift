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

    /// The running server's task: cancel it (and await its result) to stop the server.
    public static func start(_ router: Router<BasicRequestContext>, port: Int) async -> Task<Void, any Error> {
        let running = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in running.continuation.yield() }, logger: quietLogger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = running.stream.makeAsyncIterator()
        await iterator.next()
        return task
    }
}
