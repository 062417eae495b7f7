import Foundation
import Logging
import LookoutMetrics
import LookoutMetricsHummingbird
import LookoutProber
import LookoutSLA
import LookoutSLAMetrics
import LookoutSentry
import ServiceLifecycle
import UnixSignals

/// What the `prober` executable does: the prober alone, so that checks can run from another host, with `/metrics`
/// and `/health` on `LOOKOUT_PROBER_METRICS_PORT`. It needs no database: its results reach the SLA through Prometheus
/// (each run counted toward `availability` in `lookout_slo_events_total`).
public enum ProberProgram {
    /// `arguments`: none to run, or `check FILE` to validate a checks file and list what it would run.
    /// Returns 0 after a graceful shutdown or a valid file, 1 on a runtime failure, 2 on bad configuration.
    public static func run(
        arguments: [String] = Array(CommandLine.arguments.dropFirst()), environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Int32 {
        switch arguments.first {
        case nil: break
        case "check":
            guard arguments.count == 2 else { return fail("usage: prober check FILE") }
            return validate(path: arguments[1], environment: environment)
        case let other?:
            return fail("unknown command \"\(other)\"; expected no argument (run the checks) or check FILE")
        }
        var configuration: AppConfiguration
        do {
            let resolved = try SecretFiles.resolve(environment)
            configuration = try AppConfiguration(environment: resolved)
            try configuration.prober.loadChecksFile(environment: resolved)
        } catch {
            return fail("\(error)")
        }
        let baseURL = configuration.prober.baseURL ?? configuration.prober.file?.baseURL
        let paths = ProberFile(checks: configuration.prober.checks).checksUsingPaths
        if baseURL == nil, !paths.isEmpty {
            return fail(
                "invalid configuration: the checks \(paths.joined(separator: ", ")) use paths, but no base URL is set; "
                    + "set LOOKOUT_PROBER_BASE_URL to the service's address (e.g. http://api:8080) or base_url in the checks file"
            )
        }
        LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let logger = Logger(label: "lookout.prober")
        // Sentry here reports each check as a cron monitor (SentryProbeMonitors); nothing else.
        let sentry = SentrySetup(options: configuration.sentry)
        do {
            try await serviceGroup(configuration: configuration, baseURL: baseURL, logger: logger, sentry: sentry).run()
            logger.info("stopped cleanly")
            return 0
        } catch {
            logger.critical("stopped on an error", metadata: ["error": .string(String(describing: error))])
            return 1
        }
    }

    /// The prober and its metrics server, in one group that stops on SIGTERM or SIGINT.
    public static func serviceGroup(
        configuration: AppConfiguration, baseURL: URL?, logger: Logger, sentry: SentrySetup? = nil,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> ServiceGroup {
        let settings = configuration.prober
        let checks = settings.checks
        let account = settings.account ?? .random()
        let variables = (settings.file?.variables ?? [:]).merging(account.variables) { file, _ in file }
        var observers: [any ProbeObserver] = []
        // The transport first, so that it stops last and sends the final check-ins.
        var services: [any Service] = sentry?.transport.map { [$0] } ?? []
        if let sentry, sentry.isEnabled { observers.append(SentryProbeMonitors(client: sentry.client, checks: checks)) }
        if configuration.metrics.enabled {
            let registry = MetricsRegistry(configuration: .init(maxSeriesPerFamily: configuration.metrics.maxSeriesPerFamily))
            BuildInfo.register(in: registry, revision: configuration.buildRevision)
            observers.append(ProbeMetrics(registry: registry, checks: checks))
            // Its runs are the `availability` objective's events in a deployment where the API's own prober is off:
            // exported as lookout_slo_events_total{objective="availability"} for Prometheus to sum (it has no database).
            observers.append(SLAProbeEvents(sink: SLAEventMetrics(registry: registry, objectives: [.availability])))
            let process = ProcessMetrics(registry: registry)
            let endpoint = MetricsEndpoint(registry: registry, access: configuration.metrics.endpointAccess, collectors: [{ process.collect() }])
            services.append(
                MetricsServer.make(
                    endpoint: endpoint, host: configuration.httpHost, port: settings.metricsPort, role: "prober metrics server", logger: logger,
                    onListening: onListening
                )
            )
        }
        // Last, so that it stops first.
        if settings.token == nil {
            logger.warning("LOOKOUT_PROBER_TOKEN is not set: the service counts the prober's requests as users' (set the same token on both)")
        }
        services.append(
            ProberService(checks: checks, baseURL: { baseURL }, variables: variables, probeSecret: settings.token, observers: observers, logger: logger)
        )
        return ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }

    /// `prober check FILE`: loads the file as the prober would and prints each check, or the error with its place.
    static func validate(path: String, environment: [String: String]) -> Int32 {
        do {
            let file = try ProberFile.load(path: path, environment: environment)
            var lines = ["\(path): valid; \(file.checks.count) check(s)\(file.includeDefaults ? " besides the built-in ones" : "")"]
            for check in file.checks {
                let steps = check.steps.map { "\($0.method) \($0.url)" }.joined(separator: " → ")
                lines.append("  \(check.name): every \(check.interval), down after \(check.failuresToConfirm) failures: \(steps)")
            }
            print(lines.joined(separator: "\n"))
            return 0
        } catch {
            return fail("\(error)")
        }
    }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("prober: \(message)\n".utf8))
        return 2
    }
}

extension AppConfiguration.MetricsSettings {
    /// The access rule of `/metrics`, as the endpoint takes it.
    var endpointAccess: MetricsEndpoint.Access {
        switch access {
        case .open: .open
        case .bearer(let token): .bearer(token: token)
        case .basic(let username, let password): .basic(username: username, password: password)
        }
    }
}
