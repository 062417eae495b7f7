import Foundation
import Logging
import LookoutSentry
import ServiceLifecycle

/// What the `backend` and `worker` executables do; `main.swift` only calls these.
public enum Entrypoint {
    public enum Role: String, Sendable {
        case backend, worker
    }

    /// Reads the configuration, installs logging (and Sentry when `SENTRY_DSN` is set), runs until SIGTERM or SIGINT,
    /// and returns the exit code: 0 after a graceful shutdown, 1 on a runtime failure, 2 on bad configuration.
    ///
    /// `arguments` (after the program name): none to serve, or `verify-sentry` to send one test event and report
    /// whether Sentry accepted it (docs/sentry.md).
    public static func run(
        _ role: Role, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment given: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Int32 {
        let environment: [String: String]
        do {
            environment = try SecretFiles.resolve(given)
        } catch {
            FileHandle.standardError.write(Data("\(role.rawValue): \(error)\n".utf8))
            return 2
        }
        switch arguments.first {
        case nil: break
        case "verify-sentry": return await SentryVerification.run(environment: environment)
        case let other?:
            FileHandle.standardError.write(Data("\(role.rawValue): unknown command \"\(other)\"; expected no argument (serve) or verify-sentry\n".utf8))
            return 2
        }
        var configuration: AppConfiguration
        do {
            configuration = try AppConfiguration(environment: environment)
            if role == .backend { try configuration.checkPaymentProvider() }
            try configuration.loadFiles(checks: role == .backend && configuration.prober.enabled, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("\(role.rawValue): \(error)\n".utf8))
            return 2
        }
        let sentry = SentrySetup(options: configuration.sentry) { label in
            LoggingSetup.handler(label: label, format: configuration.logFormat, level: configuration.logLevel)
        }
        LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel, sentry: sentry)
        sentry.bootstrapTracing()
        let logger = Logger(label: "lookout.\(role.rawValue)")
        if sentry.isEnabled {
            logger.info("Sentry enabled", metadata: [
                "release": .string(configuration.sentry.release ?? "-"), "environment": .string(configuration.sentry.environment),
                "traces_sample_rate": "\(configuration.sentry.tracesSampleRate)", "spool": .string(configuration.sentry.spoolDirectory ?? "none"),
            ])
        }
        do {
            let assembly = try ServiceAssembly(configuration: configuration, logger: logger, sentry: sentry)
            try assembly.migrate()
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
