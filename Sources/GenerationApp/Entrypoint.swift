import Foundation
import GenerationCore
import GenerationSQLite
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
    /// `arguments` (after the program name): none to serve; `verify-sentry` to send one test event and report
    /// whether Sentry accepted it (docs/sentry.md); `backup PATH` to write a consistent copy of the database to PATH
    /// while the service runs (docs/operations.md, "Backups").
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
        case "backup": return backup(role, arguments: Array(arguments.dropFirst()), environment: environment)
        case let other?:
            FileHandle.standardError.write(Data("\(role.rawValue): unknown command \"\(other)\"; expected no argument (serve), verify-sentry or backup PATH\n".utf8))
            return 2
        }
        var configuration: AppConfiguration
        var paymentProvider: (any PaymentProvider)?
        do {
            configuration = try AppConfiguration(environment: environment)
            if role == .backend {
                try configuration.checkPaymentProvider()
                paymentProvider = try configuration.makePaymentProvider()
            }
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
        let crashes = CrashReports(swiftBacktrace: environment["SWIFT_BACKTRACE"])
        if sentry.isEnabled {
            logger.info("Sentry enabled", metadata: [
                "release": .string(configuration.sentry.release ?? "-"), "environment": .string(configuration.sentry.environment),
                "traces_sample_rate": .string(configuration.sentry.tracesSampleRate.map { "\($0)" } ?? "unset (tracing off)"), "spool": .string(configuration.sentry.spoolDirectory ?? "none"),
                "crash_logs": .string(crashes?.directory ?? "none (SWIFT_BACKTRACE)"),
            ])
        }
        // Crashes of earlier runs, written by the Swift backtracer, go out first (queued: the transport starts below).
        crashes?.sendPending(client: sentry.client, logger: logger)
        do {
            let assembly = try ServiceAssembly(configuration: configuration, logger: logger, paymentProvider: paymentProvider, sentry: sentry)
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

    /// `backup PATH`: the database of `LOOKOUT_DATABASE_URL`, copied with `VACUUM INTO` and checked. 0 on success, 1 when
    /// the copy failed, 2 on a bad command line or configuration.
    static func backup(_ role: Role, arguments: [String], environment: [String: String]) -> Int32 {
        func fail(_ message: String, _ code: Int32) -> Int32 {
            FileHandle.standardError.write(Data("\(role.rawValue) backup: \(message)\n".utf8))
            return code
        }
        guard arguments.count == 1, let path = arguments.first, !path.isEmpty else {
            return fail("expected one argument, the path of the copy to write (e.g. backups/lookout-$(date +%F).sqlite)", 2)
        }
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration(environment: environment)
        } catch {
            return fail("\(error)", 2)
        }
        guard case .file(let database) = configuration.database else {
            return fail("LOOKOUT_DATABASE_URL is sqlite::memory:, which has nothing on disk to back up", 2)
        }
        guard FileManager.default.fileExists(atPath: database) else {
            return fail("no database at \(database) (LOOKOUT_DATABASE_URL): run the backup with the service's settings", 2)
        }
        do {
            let storage = try SQLiteStorage(location: configuration.database)
            let backup = try storage.backup(to: path)
            print("backup of \(database) written to \(backup.path): \(backup.bytes) bytes, schema \(backup.schemaVersion), integrity ok")
            return 0
        } catch {
            return fail("\(error)", 1)
        }
    }
}
