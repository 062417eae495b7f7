import Foundation

/// A job claimed by a worker: the lease it holds and the generation to produce.
public struct ClaimedJob: Sendable, Equatable {
    public var jobID: Int64
    public var generationID: String
    public var kind: GenerationKind
    public var prompt: String
    /// 1 for the first run.
    public var attempt: Int
    public var maxAttempts: Int
    public var workerID: String
    /// Unique to this claim: completion, failure, renewal and release only act while it still holds the job.
    public var leaseToken: String
    public var leaseExpiresAt: Date
    /// When the job was first enqueued.
    public var enqueuedAt: Date
    /// When this attempt became claimable (its due time, or the expiry of the lease it was recovered from),
    /// for queue-wait measurements.
    public var becameDueAt: Date
    /// True when the previous holder's lease had expired: its worker died or stalled.
    public var recoveredFromExpiredLease: Bool
    /// Trace propagation headers captured when the job was enqueued (empty until tracing is wired in).
    public var traceHeaders: [String: String]

    public init(
        jobID: Int64, generationID: String, kind: GenerationKind, prompt: String, attempt: Int, maxAttempts: Int,
        workerID: String, leaseToken: String, leaseExpiresAt: Date, enqueuedAt: Date, becameDueAt: Date, recoveredFromExpiredLease: Bool,
        traceHeaders: [String: String] = [:]
    ) {
        self.jobID = jobID
        self.generationID = generationID
        self.kind = kind
        self.prompt = prompt
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workerID = workerID
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
        self.enqueuedAt = enqueuedAt
        self.becameDueAt = becameDueAt
        self.recoveredFromExpiredLease = recoveredFromExpiredLease
        self.traceHeaders = traceHeaders
    }
}

public enum JobCompletion: Sendable, Equatable {
    /// This call finished the job and its generation.
    case completed
    /// The job had already finished; nothing changed (completion is idempotent).
    case alreadyFinished
    /// Another worker holds the job now; nothing changed.
    case leaseLost
}

public enum JobRelease: Sendable, Equatable {
    /// Queued again at once; the attempt was not counted.
    case released
    /// Queued again at once; the job had used its uncounted releases, so the attempt counts.
    case releasedCounted
    /// Released once too often with no attempt left: dead-lettered, the generation failed and refunded.
    case deadLettered
    /// Another worker holds the job, or it finished: nothing changed.
    case leaseLost
}

public enum JobFailureOutcome: Sendable, Equatable {
    case retryScheduled(at: Date)
    /// No attempts left (or the failure was permanent): the job is dead-lettered, the generation failed, credits refunded.
    case deadLettered
    case leaseLost
}

/// Counts of jobs per state, for queue-depth gauges and readiness.
public struct QueueSnapshot: Sendable, Equatable {
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var dead: Int
    /// Enqueue time of the oldest job waiting to run.
    public var oldestQueuedAt: Date?

    public init(queued: Int = 0, running: Int = 0, succeeded: Int = 0, dead: Int = 0, oldestQueuedAt: Date? = nil) {
        self.queued = queued
        self.running = running
        self.succeeded = succeeded
        self.dead = dead
        self.oldestQueuedAt = oldestQueuedAt
    }
}

/// A durable job queue in the database, with leases.
///
/// A job is claimed with a lease; the holder extends it while it runs. A job whose lease expired (its worker died) is
/// claimed again. Completion and failure check that the caller still holds the lease, so each generation finishes once.
public protocol JobQueue: Sendable {
    /// Claims the oldest runnable job: queued and due, or running with an expired lease.
    func claimNextJob(workerID: String, leaseDuration: TimeInterval, now: Date) async throws -> ClaimedJob?
    /// Extends the lease; false when the caller no longer holds it.
    func extendLease(_ job: ClaimedJob, until: Date, now: Date) async throws -> Bool
    /// Stores the result and marks job and generation succeeded.
    func completeJob(_ job: ClaimedJob, result: GenerationResult, now: Date) async throws -> JobCompletion
    /// Schedules a retry at `retryAt`, or dead-letters (refunding the credits) when `retryAt` is nil.
    func failJob(_ job: ClaimedJob, reason: String, retryAt: Date?, now: Date) async throws -> JobFailureOutcome
    /// Gives the job back unfinished (graceful shutdown): queued again at once, this attempt not counted, at most
    /// `uncountedReleases` times per job; past that a release counts as a failed attempt, and one with no attempt left
    /// dead-letters the job, so that a job that never finishes before a shutdown cannot circulate forever.
    func releaseJob(_ job: ClaimedJob, uncountedReleases: Int, now: Date) async throws -> JobRelease
    /// Records that a worker is alive, for readiness.
    func recordWorkerHeartbeat(workerID: String, now: Date) async throws
    func queueSnapshot() async throws -> QueueSnapshot
}

extension JobFailureOutcome {
    /// How the attempt ended, as observers count it.
    public var attemptOutcome: JobAttemptOutcome {
        switch self {
        case .retryScheduled: .retried
        case .deadLettered: .deadLettered
        case .leaseLost: .leaseLost
        }
    }
}
