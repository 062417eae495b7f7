import Foundation

/// How a generation submission ended, for counting.
public enum SubmissionOutcome: String, Sendable, CaseIterable {
    case accepted
    case insufficientCredits = "insufficient_credits"
    case invalid
}

/// How one claimed job attempt ended.
public enum JobAttemptOutcome: String, Sendable, CaseIterable {
    /// The generation succeeded.
    case completed
    /// The attempt failed; a retry is scheduled.
    case retried
    /// The attempt failed for good; the generation failed and was refunded.
    case deadLettered = "dead_lettered"
    /// Another worker took the job over; this attempt's outcome was discarded.
    case leaseLost = "lease_lost"
    /// Handed back to the queue unfinished (shutdown).
    case released
}

/// Business and worker events, reported by the core as they happen: the one seam through which metrics (and later
/// Sentry breadcrumbs) watch the service without the core knowing either.
///
/// Calls are synchronous and made on the request or job path: implementations must be cheap and never wait on I/O.
/// Every method has an empty default, so an observer implements only what it needs.
public protocol ServiceObserver: Sendable {
    func userRegistered(_ user: User)
    /// Someone registered an address that already has an account: the answer did not say so; the owner should be told
    /// (a deployment's mailer hooks in here).
    func registrationForExistingAccount(userID: String)
    func loginAttempted(succeeded: Bool)
    /// A request proved to be `userID`'s (bearer token checked).
    func authenticated(userID: String)
    /// A payment reached approved, declined or failed (reported once, by the request that settled it).
    func paymentSettled(_ payment: Payment)
    /// `kind` is nil when the requested kind is not one Lookout knows.
    func generationSubmitted(kind: GenerationKind?, outcome: SubmissionOutcome, creditCost: Int64)
    /// A worker claimed a job that had been due for `queueWait` seconds.
    func jobClaimed(_ job: ClaimedJob, queueWait: TimeInterval)
    /// An attempt ended; `duration` is the time since the claim.
    func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: TimeInterval)
    func generatorFinished(kind: GenerationKind, duration: TimeInterval, succeeded: Bool)
    /// An attempt failed with `error` (called from the job's own task, before ``jobFinished(_:outcome:duration:)``).
    func jobAttemptFailed(_ job: ClaimedJob, error: any Error, outcome: JobAttemptOutcome)
    func workerHeartbeat(at time: Date)
    /// A request was refused by the rate limit `policy` (`auth`, `login_failures`, `status`) or, for `password_hashing`,
    /// because the hashing queue was full.
    func requestThrottled(policy: String)
    /// A retention purge finished (counts may be zero).
    func retentionPurged(_ purge: RetentionPurge)
}

extension ServiceObserver {
    public func userRegistered(_ user: User) {}
    public func registrationForExistingAccount(userID: String) {}
    public func loginAttempted(succeeded: Bool) {}
    public func authenticated(userID: String) {}
    public func paymentSettled(_ payment: Payment) {}
    public func generationSubmitted(kind: GenerationKind?, outcome: SubmissionOutcome, creditCost: Int64) {}
    public func jobClaimed(_ job: ClaimedJob, queueWait: TimeInterval) {}
    public func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: TimeInterval) {}
    public func generatorFinished(kind: GenerationKind, duration: TimeInterval, succeeded: Bool) {}
    public func jobAttemptFailed(_ job: ClaimedJob, error: any Error, outcome: JobAttemptOutcome) {}
    public func workerHeartbeat(at time: Date) {}
    public func requestThrottled(policy: String) {}
    public func retentionPurged(_ purge: RetentionPurge) {}
}

/// Observes nothing: the default when no observability is wired in.
public struct NoServiceObserver: ServiceObserver {
    public init() {}
}

/// Fans every event out to several observers (metrics, breadcrumbs, …).
public struct ServiceObservers: ServiceObserver {
    public var observers: [any ServiceObserver]

    public init(_ observers: [any ServiceObserver]) { self.observers = observers }

    public func userRegistered(_ user: User) { for o in observers { o.userRegistered(user) } }
    public func registrationForExistingAccount(userID: String) { for o in observers { o.registrationForExistingAccount(userID: userID) } }
    public func loginAttempted(succeeded: Bool) { for o in observers { o.loginAttempted(succeeded: succeeded) } }
    public func authenticated(userID: String) { for o in observers { o.authenticated(userID: userID) } }
    public func paymentSettled(_ payment: Payment) { for o in observers { o.paymentSettled(payment) } }
    public func generationSubmitted(kind: GenerationKind?, outcome: SubmissionOutcome, creditCost: Int64) {
        for o in observers { o.generationSubmitted(kind: kind, outcome: outcome, creditCost: creditCost) }
    }
    public func jobClaimed(_ job: ClaimedJob, queueWait: TimeInterval) { for o in observers { o.jobClaimed(job, queueWait: queueWait) } }
    public func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: TimeInterval) {
        for o in observers { o.jobFinished(job, outcome: outcome, duration: duration) }
    }
    public func generatorFinished(kind: GenerationKind, duration: TimeInterval, succeeded: Bool) {
        for o in observers { o.generatorFinished(kind: kind, duration: duration, succeeded: succeeded) }
    }
    public func jobAttemptFailed(_ job: ClaimedJob, error: any Error, outcome: JobAttemptOutcome) {
        for o in observers { o.jobAttemptFailed(job, error: error, outcome: outcome) }
    }
    public func workerHeartbeat(at time: Date) { for o in observers { o.workerHeartbeat(at: time) } }
    public func requestThrottled(policy: String) { for o in observers { o.requestThrottled(policy: policy) } }
    public func retentionPurged(_ purge: RetentionPurge) { for o in observers { o.retentionPurged(purge) } }
}
