import Hummingbird
import Logging
import LookoutMetricsHummingbird
import NIOCore
import ServiceLifecycle

/// The HTTP servers of the executables: the API's, and the small `/metrics` + `/health` server of the standalone
/// `worker` and `prober`.
enum SmallMetricsServer {
    /// A server with `GET /metrics` (from `endpoint`) and `GET /health`.
    static func make(
        endpoint: MetricsEndpoint, host: String, port: Int, role: String, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) -> any Service {
        let router = Router()
        endpoint.register(on: router)
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))) }
        return application(router: router, host: host, port: port, role: role, logger: logger, onListening: onListening)
    }

    /// A Hummingbird application that logs where it listens and passes the bound port on (useful with port 0).
    static func application<Context: RequestContext>(
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
