import Foundation
import Logging
import ServiceLifecycle

/// What the `backend` and `worker` executables do; `main.swift` only calls these.
public enum Entrypoint {
    public enum Role: String, Sendable {
        case backend, worker
    }

    /// Reads the configuration, installs logging, runs until SIGTERM or SIGINT, and returns the exit code:
    /// 0 after a graceful shutdown, 1 on a runtime failure, 2 on bad configuration.
    public static func run(_ role: Role, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("\(role.rawValue): \(error)\n".utf8))
            return 2
        }
        LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let logger = Logger(label: "lookout.\(role.rawValue)")
        do {
            let assembly = try ServiceAssembly(configuration: configuration, logger: logger)
            logger.info("starting", metadata: ["role": .string(role.rawValue), "database": "\(configuration.database)"])
            switch role {
            case .backend: try await assembly.backendServiceGroup().run()
            case .worker: try await assembly.workerServiceGroup().run()
            }
            logger.info("stopped cleanly")
            return 0
        } catch {
            logger.critical("stopped on an error", metadata: ["error": .string(String(describing: error))])
            return 1
        }
    }
}
