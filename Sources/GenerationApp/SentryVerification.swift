import Foundation
import Logging
import LookoutSentry
import ServiceLifecycle

/// `backend verify-sentry`: sends one test error through the real pipeline (options, scrubbing, transport) and says
/// whether Sentry accepted it, so that an operator can check an installation end to end. Nothing is sent unless asked.
enum SentryVerification {
    struct Marker: Error, CustomStringConvertible {
        var host: String
        var description: String { "Lookout Sentry verification from \(host): if you can read this in Sentry, errors reach it" }
    }

    /// Exit codes: 0 delivered, 1 not delivered (the reason is printed), 2 bad configuration or no DSN.
    static func run(environment: [String: String], timeout: Duration = .seconds(15)) async -> Int32 {
        let options: SentryOptions
        do {
            options = try AppConfiguration(environment: environment).sentry
        } catch {
            print("verify-sentry: \(error)")
            return 2
        }
        guard let dsn = options.dsn else {
            print("verify-sentry: SENTRY_DSN is not set; set it to the DSN of your Sentry project (docs/sentry.md)")
            return 2
        }
        let setup = SentrySetup(options: options)
        guard let transport = setup.transport else { return 2 }
        let group = ServiceGroup(configuration: .init(services: [transport], gracefulShutdownSignals: [], logger: Logger(label: "lookout.sentry.verify")))
        async let running: Void = group.run()
        let eventID = await ScopeBox.withScope(ScopeBox()) {
            ScopeBox.current?.update { $0.tags["verification"] = "true" }
            return setup.client.capture(error: Marker(host: ProcessInfo.processInfo.hostName), level: .error, mechanism: "verification")
        }
        // Done at the first answer: delivered, refused, or a failed attempt (whose reason is worth more than waiting).
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let statistics = transport.statistics
            if statistics.queued == 0 || statistics.failedAttempts > 0 { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let statistics = transport.statistics
        let flushed = statistics.queued == 0
        await group.triggerGracefulShutdown()
        try? await running
        if flushed, statistics.sentEnvelopes > 0 {
            print("verify-sentry: Sentry accepted event \(eventID ?? "-") at \(dsn.host) (project \(dsn.projectID), release \(options.release ?? "-"), environment \(options.environment))")
            return 0
        }
        let dropped = transport.discards.totals.map { "\($0.key.reason.rawValue) \($0.key.category): \($0.value)" }.sorted()
        print("verify-sentry: event \(eventID ?? "-") was not accepted by \(dsn.envelopeURL): \(statistics.lastError ?? (dropped.isEmpty ? "no answer within \(timeout)" : dropped.joined(separator: ", ")))")
        return 1
    }
}
