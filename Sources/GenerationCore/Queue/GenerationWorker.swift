import Foundation
import Instrumentation
import Logging
import ServiceLifecycle
import Tracing

/// Runs generation jobs from the durable queue.
///
/// - Claims jobs with a lease and renews it while the generator runs; a job whose lease is lost is abandoned at once.
/// - Retries transient failures with exponential backoff (plus jitter) until `maxAttempts`, then dead-letters,
///   which fails the generation and refunds its credits.
/// - Records a heartbeat so that `/health/ready` can tell whether any worker is alive.
/// - Gives each attempt `attemptTimeout`: a generator that hangs is cancelled and the attempt counts as failed (retried
///   or dead-lettered like any failure), instead of renewing its lease forever.
/// - On graceful shutdown: stops claiming, lets running jobs finish for up to `drainTimeout`, then releases what is left
///   so another worker picks it up at once (uncounted, `uncountedReleases` times per job; then the attempt counts).
///   Only shutdown releases a job: a generator that throws `CancellationError` on its own has failed an attempt.
public struct GenerationWorker: Service {
    public struct Configuration: Sendable {
        /// Identifies this worker in leases and heartbeats. Default: `<hostname>-<pid>`.
        public var workerID: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        /// Jobs run at the same time. Default: 2.
        public var concurrency = 2
        /// How long a claim is valid without renewal. A crashed worker's jobs are reclaimed after this. Default: 30 s.
        public var leaseDuration: Duration = .seconds(30)
        /// How often a running job's lease is renewed. Default: 10 s (a third of the lease).
        public var leaseRenewalInterval: Duration = .seconds(10)
        /// Pause between claims when the queue is empty. Default: 250 ms.
        public var pollInterval: Duration = .milliseconds(250)
        /// How often the worker records that it is alive. Default: 5 s.
        public var heartbeatInterval: Duration = .seconds(5)
        /// Delay before the first retry; doubles with each attempt. Default: 2 s.
        public var retryBaseDelay: Duration = .seconds(2)
        /// Longest delay between retries. Default: 60 s.
        public var retryMaxDelay: Duration = .seconds(60)
        /// Share of each retry delay drawn at random (0 = none), so that failed jobs do not retry in lockstep. Default: 0.2.
        public var retryJitter = 0.2
        /// How long running jobs may go on after graceful shutdown begins before they are released. Default: 10 s.
        public var drainTimeout: Duration = .seconds(10)
        /// How long one attempt may run; past it the generator is cancelled and the attempt fails. Default: 5 minutes.
        public var attemptTimeout: Duration = .seconds(300)
        /// Releases at shutdown that do not count the attempt, per job. Default: 3.
        public var uncountedReleases = 3

        public init() {}
    }

    private let queue: any JobQueue
    private let generator: any Generator
    private let configuration: Configuration
    private let clock: any Clock<Duration>
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let observer: any ServiceObserver

    public init(
        queue: any JobQueue, generator: any Generator, configuration: Configuration = .init(),
        observer: any ServiceObserver = NoServiceObserver(), clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.queue = queue
        self.observer = observer
        self.generator = generator
        self.configuration = configuration
        self.clock = clock
        self.now = now
        var logger = logger
        logger[metadataKey: "worker_id"] = .string(configuration.workerID)
        self.logger = logger
    }

    public func run() async throws {
        logger.info("worker started", metadata: ["concurrency": "\(configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.heartbeatLoop() }
            await withTaskGroup(of: Void.self) { slots in
                for _ in 0..<configuration.concurrency {
                    slots.addTask { await self.slotLoop() }
                }
            }
            group.cancelAll()
        }
        logger.info("worker stopped")
    }

    /// The delay before retry number `attempt + 1`, before jitter.
    public static func backoff(afterAttempt attempt: Int, base: Duration, max: Duration) -> Duration {
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 30)
        let delay = base * (1 << exponent)
        return Swift.min(delay, max)
    }

    // MARK: - Loops

    private func slotLoop() async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let job: ClaimedJob?
            do {
                job = try await queue.claimNextJob(workerID: configuration.workerID, leaseDuration: configuration.leaseDuration.timeInterval, now: now())
            } catch {
                logger.error("claiming a job failed", metadata: ["error": "\(error)"])
                await idle()
                continue
            }
            guard let job else {
                await idle()
                continue
            }
            observer.jobClaimed(job, queueWait: max(0, now().timeIntervalSince(job.becameDueAt)))
            await process(job)
        }
    }

    /// Sleeps for the poll interval, waking early on graceful shutdown or cancellation.
    private func idle() async {
        let clock = self.clock
        let interval = configuration.pollInterval
        try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            do {
                let time = now()
                try await queue.recordWorkerHeartbeat(workerID: configuration.workerID, now: time)
                observer.workerHeartbeat(at: time)
            } catch {
                logger.warning("recording the worker heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: configuration.heartbeatInterval)
        }
    }

    // MARK: - One job

    private enum JobEvent: Sendable {
        case finished(Result<GenerationResult, any Error>)
        case timedOut
        case leaseLost
        case drainTimedOut
        case stopped
    }

    /// One job as one consumer span that continues the trace of the request that enqueued it.
    private func process(_ job: ClaimedJob) async {
        var context = InstrumentationContext.topLevel
        InstrumentationSystem.instrument.extract(job.traceHeaders, into: &context, using: DictionaryExtractor())
        await withSpan("generate \(job.kind.rawValue)", context: context, ofKind: .consumer) { span in
            // The attributes Sentry's Queues view reads, matching the publish span's (the message is the generation).
            span.attributes["messaging.operation.type"] = "process"
            span.attributes["messaging.destination.name"] = "generation_queue"
            span.attributes["messaging.message.id"] = job.generationID
            span.attributes["messaging.message.retry.count"] = job.attempt - 1
            span.attributes["messaging.message.receive.latency"] = Int(max(0, now().timeIntervalSince(job.becameDueAt)) * 1000)
            span.attributes["generation.job_id"] = job.jobID
            span.attributes["generation.attempt"] = job.attempt
            await run(job)
        }
    }

    private func run(_ job: ClaimedJob) async {
        var logger = self.logger
        logger[metadataKey: "job_id"] = "\(job.jobID)"
        logger[metadataKey: "generation_id"] = .string(job.generationID)
        logger[metadataKey: "attempt"] = "\(job.attempt)"
        if job.recoveredFromExpiredLease {
            logger.warning("reclaimed a job whose previous lease expired")
        }
        logger.debug("job started")

        let generator = self.generator
        let observer = self.observer
        let claimed = ContinuousClock.now
        let event: JobEvent = await withTaskGroup(of: JobEvent.self) { group in
            group.addTask {
                let start = ContinuousClock.now
                do {
                    let result = try await withSpan("generator", ofKind: .internal) { span in
                        span.attributes["generation.kind"] = job.kind.rawValue
                        return try await generator.generate(kind: job.kind, prompt: job.prompt)
                    }
                    observer.generatorFinished(kind: job.kind, duration: (ContinuousClock.now - start).timeInterval, succeeded: true)
                    return .finished(.success(result))
                } catch {
                    if !(error is CancellationError) {
                        observer.generatorFinished(kind: job.kind, duration: (ContinuousClock.now - start).timeInterval, succeeded: false)
                    }
                    return .finished(.failure(error))
                }
            }
            group.addTask { await self.renewLease(job) }
            group.addTask { await self.drainDeadline() }
            group.addTask { await self.attemptDeadline() }
            let first = await group.next() ?? .stopped
            group.cancelAll()
            return first
        }

        do {
            let outcome: JobAttemptOutcome
            switch event {
            case .finished(.success(let result)):
                let completion = try await shielded { try await self.queue.completeJob(job, result: result, now: self.now()) }
                outcome = completion == .completed ? .completed : .leaseLost
                logger.info("job completed", metadata: ["outcome": "\(completion)"])
            case .finished(.failure(let error)) where error is CancellationError && (Task.isCancelled || Task.isShuttingDownGracefully):
                outcome = try await release(job, because: "worker cancelled", logger: logger)
            case .finished(.failure(let error)):
                // A CancellationError the generator threw on its own, with no shutdown going on, is a failure like any
                // other: releasing it uncounted would claim it again at once, in a loop.
                outcome = try await fail(job, error: error, logger: logger)
            case .timedOut:
                outcome = try await fail(job, error: AttemptTimedOut(limit: configuration.attemptTimeout), logger: logger)
            case .leaseLost:
                outcome = .leaseLost
                logger.warning("job abandoned: its lease was taken over")
            case .drainTimedOut, .stopped:
                outcome = try await release(job, because: "shutdown drain timeout", logger: logger)
            }
            observer.jobFinished(job, outcome: outcome, duration: (ContinuousClock.now - claimed).timeInterval)
        } catch {
            // The lease will expire and another worker will reclaim the job: nothing is lost.
            logger.error("recording the job's outcome failed; it will be retried after its lease expires", metadata: ["error": "\(error)"])
        }
    }

    private func release(_ job: ClaimedJob, because reason: String, logger: Logger) async throws -> JobAttemptOutcome {
        let uncounted = configuration.uncountedReleases
        let release = try await shielded { try await self.queue.releaseJob(job, uncountedReleases: uncounted, now: self.now()) }
        switch release {
        case .released:
            logger.info("job released for another worker", metadata: ["reason": .string(reason)])
            return .released
        case .releasedCounted:
            logger.warning("job released for another worker; its attempt counts (released too often)", metadata: ["reason": .string(reason)])
            return .released
        case .deadLettered:
            logger.error("job released too often with no attempt left; dead-lettered and credits refunded", metadata: ["reason": .string(reason)])
            return .deadLettered
        case .leaseLost:
            logger.warning("job could not be released: its lease was taken over", metadata: ["reason": .string(reason)])
            return .leaseLost
        }
    }

    private func fail(_ job: ClaimedJob, error: any Error, logger: Logger) async throws -> JobAttemptOutcome {
        let permanent = (error as? GeneratorError)?.isPermanent ?? false
        var retryAt: Date?
        if !permanent, job.attempt < job.maxAttempts {
            let delay = Self.backoff(afterAttempt: job.attempt, base: configuration.retryBaseDelay, max: configuration.retryMaxDelay)
            let jitter = configuration.retryJitter > 0 ? Double.random(in: 0...configuration.retryJitter) : 0
            retryAt = now().addingTimeInterval(delay.timeInterval * (1 - jitter))
        }
        let reason = String(describing: error)
        let retry = retryAt
        let outcome = try await shielded { try await self.queue.failJob(job, reason: reason, retryAt: retry, now: self.now()) }
        observer.jobAttemptFailed(job, error: error, outcome: outcome.attemptOutcome)
        switch outcome {
        case .retryScheduled(let at):
            logger.warning("job failed; retry scheduled", metadata: ["error": .string(reason), "retry_at": "\(at)"])
            return .retried
        case .deadLettered:
            logger.error("job failed for good; dead-lettered and credits refunded", metadata: ["error": .string(reason)])
            return .deadLettered
        case .leaseLost:
            logger.warning("job failed but its lease was taken over", metadata: ["error": .string(reason)])
            return .leaseLost
        }
    }

    /// Renews the lease until cancelled; returns `.leaseLost` when another worker holds the job.
    private func renewLease(_ job: ClaimedJob) async -> JobEvent {
        while true {
            do {
                try await clock.sleep(for: configuration.leaseRenewalInterval)
                let until = now().addingTimeInterval(configuration.leaseDuration.timeInterval)
                if try await !queue.extendLease(job, until: until, now: now()) { return .leaseLost }
            } catch is CancellationError {
                return .stopped
            } catch {
                logger.warning("renewing a lease failed; will try again", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Returns `.timedOut` once the attempt has run `attemptTimeout`; `.stopped` when cancelled first.
    private func attemptDeadline() async -> JobEvent {
        do {
            try await clock.sleep(for: configuration.attemptTimeout)
            return .timedOut
        } catch {
            return .stopped
        }
    }

    /// Returns `drainTimeout` after graceful shutdown begins; `.stopped` when cancelled first.
    private func drainDeadline() async -> JobEvent {
        do {
            try await gracefulShutdown()
            try await clock.sleep(for: configuration.drainTimeout)
            return .drainTimedOut
        } catch {
            return .stopped
        }
    }
}


/// An attempt that ran past ``GenerationWorker/Configuration/attemptTimeout``: a transient failure, retried like any.
public struct AttemptTimedOut: Error, CustomStringConvertible, Sendable {
    public var limit: Duration
    public var description: String { "the attempt ran longer than \(limit.components.seconds) s (LOOKOUT_JOB_ATTEMPT_TIMEOUT_SECONDS) and was cancelled" }
}
