import Foundation
import GenerationCore
import GenerationHTTP
import GenerationSQLite
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the long-lived parts of the service from an ``AppConfiguration`` and composes them into one `ServiceGroup`.
///
/// Order matters: a `ServiceGroup` shuts services down in reverse order, so the HTTP server (last) stops accepting and
/// drains first, then the worker stops claiming and drains its running jobs.
public struct ServiceAssembly: Sendable {
    public let configuration: AppConfiguration
    public let storage: SQLiteStorage
    public let accounts: AccountService
    public let payments: PaymentService
    public let generations: GenerationService
    public let generator: any Generator
    public let logger: Logger

    /// Opens the database (running migrations) and wires the services.
    public init(
        configuration: AppConfiguration, logger: Logger, paymentProvider: any PaymentProvider = SandboxPaymentProvider(),
        generator: (any Generator)? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        storage = try SQLiteStorage(location: configuration.database)
        accounts = AccountService(store: storage, hasher: PasswordHasher(rounds: configuration.passwordHashRounds), configuration: configuration.accounts)
        payments = PaymentService(store: storage, provider: paymentProvider, configuration: configuration.payments)
        generations = GenerationService(store: storage, configuration: configuration.generations)
        self.generator = generator ?? SyntheticGenerator(configuration: configuration.generator)
    }

    public func makeWorker() -> GenerationWorker {
        GenerationWorker(queue: storage, generator: generator, configuration: configuration.worker, logger: logger)
    }

    /// The Hummingbird application serving the API. `onListening` receives the bound port (useful with port 0).
    public func makeHTTPServer(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        var http = HTTPConfiguration()
        http.maxBodyBytes = configuration.http.maxBodyBytes
        http.workerHeartbeatMaxAge = configuration.http.workerHeartbeatMaxAge
        let (router, _) = APIRouter.build(
            APIDependencies(accounts: accounts, payments: payments, generations: generations, health: storage), configuration: http
        )
        let logger = self.logger
        let host = configuration.httpHost
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.httpPort)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("HTTP server listening", metadata: ["host": .string(host), "port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
    }

    /// `backend`: the HTTP API, plus the worker unless `LOOKOUT_WORKER_ENABLED=false`.
    public func backendServiceGroup(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> ServiceGroup {
        var services: [any Service] = []
        if configuration.workerEnabled { services.append(makeWorker()) }
        services.append(makeHTTPServer(onListening: onListening))
        return serviceGroup(services)
    }

    /// `worker`: the job worker alone, against the same database.
    public func workerServiceGroup() -> ServiceGroup {
        serviceGroup([makeWorker()])
    }

    private func serviceGroup(_ services: [any Service]) -> ServiceGroup {
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A drain that hangs must not keep the process alive forever: cancel what is left after the drain window.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.worker.drainTimeout + .seconds(15)
        return ServiceGroup(configuration: groupConfiguration)
    }
}
