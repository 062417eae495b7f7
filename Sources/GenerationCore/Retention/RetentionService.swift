import Foundation
import Logging
import ServiceLifecycle

/// What a purge removed.
public struct RetentionPurge: Sendable, Equatable {
    /// Finished jobs (succeeded or dead-lettered) deleted.
    public var jobs: Int
    /// Succeeded generations whose result (the artifact) was dropped; the generation itself stays.
    public var artifacts: Int

    public init(jobs: Int, artifacts: Int) {
        self.jobs = jobs
        self.artifacts = artifacts
    }
}

/// Storage that forgets what is no longer needed.
public protocol RetentionStore: Sendable {
    /// Deletes finished jobs that finished before `jobsBefore` and drops the results of generations that succeeded
    /// before `artifactsBefore`, in small batches so that no transaction holds the writer long.
    func purge(finishedJobsBefore jobsBefore: Date, artifactsBefore: Date) async throws -> RetentionPurge
}

/// Purges finished jobs and old artifacts once an hour (and once at start), so that the queue's tables and the
/// database file do not grow without bound. Runs beside the worker: a purge is the worker's housekeeping.
public struct RetentionService<C: Clock>: Service where C.Duration == Duration {
    public struct Configuration: Sendable {
        /// How long a finished job is kept (its attempts and last error, for inspection). Default: 30 days.
        public var jobRetention: Duration = .seconds(30 * 86_400)
        /// How long a succeeded generation keeps its result; afterwards the generation reads as succeeded with no
        /// result. Default: 90 days.
        public var artifactRetention: Duration = .seconds(90 * 86_400)
        /// Between purges. Default: 1 hour.
        public var interval: Duration = .seconds(3600)

        public init() {}
    }

    let store: any RetentionStore
    let configuration: Configuration
    let observer: any ServiceObserver
    let clock: C
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any RetentionStore, configuration: Configuration = .init(), observer: any ServiceObserver = NoServiceObserver(), clock: C,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.observer = observer
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: configuration.interval, on: clock) { await purgeOnce() }
    }

    /// One purge (what each tick does); a failure is logged and the next tick tries again.
    @discardableResult
    public func purgeOnce() async -> RetentionPurge? {
        let now = self.now()
        do {
            let purged = try await store.purge(
                finishedJobsBefore: now.addingTimeInterval(-configuration.jobRetention.timeInterval),
                artifactsBefore: now.addingTimeInterval(-configuration.artifactRetention.timeInterval)
            )
            observer.retentionPurged(purged)
            if purged.jobs > 0 || purged.artifacts > 0 {
                logger.info("purged old data", metadata: ["jobs": "\(purged.jobs)", "artifacts": "\(purged.artifacts)"])
            }
            return purged
        } catch {
            logger.error("purge failed", metadata: ["error": .string(String(describing: error))])
            return nil
        }
    }
}

extension RetentionService where C == ContinuousClock {
    public init(
        store: any RetentionStore, configuration: Configuration = .init(), observer: any ServiceObserver = NoServiceObserver(), logger: Logger
    ) {
        self.init(store: store, configuration: configuration, observer: observer, clock: ContinuousClock(), logger: logger)
    }
}
