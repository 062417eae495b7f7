import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A small HTTP server for a process that serves nothing else: `GET /metrics` (from a ``MetricsEndpoint``) and
/// `GET /health` (`{"status":"ok"}` while the process runs). A worker or a prober runs it so that Prometheus can scrape
/// it and an orchestrator can ask whether it lives.
public enum MetricsServer {
    /// The server, as a `Service`. `onListening` receives the bound port (useful with port 0).
    public static func make(
        endpoint: MetricsEndpoint, host: String, port: Int, role: String, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        let router = Router()
        endpoint.register(on: router)
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        return application(router: router, host: host, port: port, role: role, logger: logger, onListening: onListening)
    }

    /// A Hummingbird application on `host:port` that logs where it listens and passes the bound port on.
    public static func application<Context: RequestContext>(
        router: Router<Context>, host: String, port: Int, role: String, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) -> Application<RouterResponder<Context>> where Context: InitializableFromSource<ApplicationRequestContextSource> {
        Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("\(role) listening", metadata: ["host": .string(host), "port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
    }
}
