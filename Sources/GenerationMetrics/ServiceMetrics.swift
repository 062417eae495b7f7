import BoundedCache
import Foundation
import GenerationCore
import LookoutMetrics
import Prometheus
import Synchronization

/// The reference service's business, worker, database and cache metrics: a ``ServiceObserver`` and
/// ``DatabaseObserver`` that records into a ``MetricsRegistry``, plus collectors for values sampled at scrape time.
///
/// Every series that has a small, known label set is created up front, so that a fresh process exposes zeros (rates work
/// from the first scrape) and the hot path never creates a series.
public final class ServiceMetrics: ServiceObserver, DatabaseObserver {
    private let registrations: Counter
    private let loginSuccess: Counter
    private let loginFailure: Counter
    private let payments: MetricFamily<Counter>
    private let revenue: MetricFamily<Counter>
    private let creditsSpent: Counter
    private let throttled: MetricFamily<Counter>
    private let purgedJobs: Counter
    private let purgedArtifacts: Counter
    private let generationRequests: MetricFamily<Counter>
    private let generationsFinished: MetricFamily<Counter>
    private let generationDuration: MetricFamily<ValueHistogram>
    private let activeTasks: Gauge
    private let queueWait: ValueHistogram
    private let queueJobs: MetricFamily<Gauge>
    private let oldestJobAge: Gauge
    private let jobsClaimed: Counter
    private let jobsCompleted: Counter
    private let jobsFailed: Counter
    private let jobsRetried: Counter
    private let jobsDeadLettered: Counter
    private let jobsRecovered: Counter
    private let jobsReleased: Counter
    private let jobDuration: ValueHistogram
    private let heartbeat: Gauge
    private let connectionsInUse: Gauge
    private let connectionsIdle: Gauge
    private let connectionsMax: Gauge
    private let connectionWait: ValueHistogram
    private let queryDuration: MetricFamily<ValueHistogram>
    private let queryErrors: MetricFamily<Counter>
    private let cacheLookups: MetricFamily<Counter>
    private let cacheEvictions: MetricFamily<Counter>
    private let cacheEntries: MetricFamily<Gauge>
    /// Connections held right now; published to the gauges at scrape time, so the query path only adds and subtracts.
    private let connectionsHeld = Atomic<Int>(0)
    private let poolSize = Atomic<Int>(0)
    /// Per-operation series, resolved once per operation name.
    private let operations = Mutex<[String: (duration: ValueHistogram, errors: Counter)]>([:])
    /// The cache counters already exported, so that each scrape adds only what is new.
    private let exportedCacheStatistics = Mutex<[String: CacheStatistics]>([:])

    public init(registry: MetricsRegistry) {
        registrations = registry.counter(ServiceMetricsCatalog.registrations).labels()
        let logins = registry.counter(ServiceMetricsCatalog.logins)
        loginSuccess = logins.labels("success")
        loginFailure = logins.labels("failure")
        throttled = registry.counter(ServiceMetricsCatalog.throttled)
        let purged = registry.counter(ServiceMetricsCatalog.retentionPurged)
        purgedJobs = purged.labels("jobs")
        purgedArtifacts = purged.labels("artifacts")
        // Every policy's series exists from the start at 0, so that rate() sees the first refusal.
        for policy in ["auth", "login_failures", "status", "password_hashing"] { _ = throttled.labels(policy) }
        payments = registry.counter(ServiceMetricsCatalog.payments)
        revenue = registry.counter(ServiceMetricsCatalog.revenue)
        creditsSpent = registry.counter(ServiceMetricsCatalog.creditsSpent).labels()
        generationRequests = registry.counter(ServiceMetricsCatalog.generationRequests)
        generationsFinished = registry.counter(ServiceMetricsCatalog.generationsFinished)
        generationDuration = registry.histogram(ServiceMetricsCatalog.generationDuration)
        activeTasks = registry.gauge(ServiceMetricsCatalog.generationActiveTasks).labels()
        queueWait = registry.histogram(ServiceMetricsCatalog.generationQueueWait).labels()
        queueJobs = registry.gauge(ServiceMetricsCatalog.queueJobs)
        oldestJobAge = registry.gauge(ServiceMetricsCatalog.queueOldestJobAge).labels()
        jobsClaimed = registry.counter(ServiceMetricsCatalog.jobsClaimed).labels()
        jobsCompleted = registry.counter(ServiceMetricsCatalog.jobsCompleted).labels()
        jobsFailed = registry.counter(ServiceMetricsCatalog.jobsFailed).labels()
        jobsRetried = registry.counter(ServiceMetricsCatalog.jobsRetried).labels()
        jobsDeadLettered = registry.counter(ServiceMetricsCatalog.jobsDeadLettered).labels()
        jobsRecovered = registry.counter(ServiceMetricsCatalog.jobsRecovered).labels()
        jobsReleased = registry.counter(ServiceMetricsCatalog.jobsReleased).labels()
        jobDuration = registry.histogram(ServiceMetricsCatalog.jobDuration).labels()
        heartbeat = registry.gauge(ServiceMetricsCatalog.workerHeartbeat).labels()
        let connections = registry.gauge(ServiceMetricsCatalog.dbConnections)
        connectionsInUse = connections.labels("in_use")
        connectionsIdle = connections.labels("idle")
        connectionsMax = registry.gauge(ServiceMetricsCatalog.dbConnectionsMax).labels()
        connectionWait = registry.histogram(ServiceMetricsCatalog.dbConnectionWait).labels()
        queryDuration = registry.histogram(ServiceMetricsCatalog.dbQueryDuration)
        queryErrors = registry.counter(ServiceMetricsCatalog.dbQueryErrors)
        cacheLookups = registry.counter(ServiceMetricsCatalog.cacheLookups)
        cacheEvictions = registry.counter(ServiceMetricsCatalog.cacheEvictions)
        cacheEntries = registry.gauge(ServiceMetricsCatalog.cacheEntries)

        for kind in GenerationKind.allCases {
            for outcome in SubmissionOutcome.allCases { _ = generationRequests.labels(kind.rawValue, outcome.rawValue) }
            for outcome in ["succeeded", "failed"] { _ = generationsFinished.labels(kind.rawValue, outcome) }
            _ = generationDuration.labels(kind.rawValue)
        }
        for state in ["queued", "running", "succeeded", "dead"] { _ = queueJobs.labels(state) }
    }

    // MARK: ServiceObserver

    public func userRegistered(_ user: User) { registrations.increment() }

    public func loginAttempted(succeeded: Bool) { (succeeded ? loginSuccess : loginFailure).increment() }
    /// Policies are a fixed handful of names, so the label stays bounded.
    public func requestThrottled(policy: String) { throttled.labels(policy).increment() }
    public func retentionPurged(_ purge: RetentionPurge) {
        purgedJobs.increment(by: Int64(purge.jobs))
        purgedArtifacts.increment(by: Int64(purge.artifacts))
    }

    public func paymentSettled(_ payment: Payment) {
        let currency = payment.currency.rawValue
        payments.labels(payment.status.rawValue, currency).increment()
        if payment.status == .approved { revenue.labels(currency).increment(by: payment.amountMinor) }
    }

    public func generationSubmitted(kind: GenerationKind?, outcome: SubmissionOutcome, creditCost: Int64) {
        generationRequests.labels(kind?.rawValue ?? "unknown", outcome.rawValue).increment()
        if outcome == .accepted { creditsSpent.increment(by: creditCost) }
    }

    public func jobClaimed(_ job: ClaimedJob, queueWait wait: TimeInterval) {
        jobsClaimed.increment()
        if job.recoveredFromExpiredLease { jobsRecovered.increment() }
        queueWait.record(wait)
        activeTasks.increment()
    }

    public func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: TimeInterval) {
        activeTasks.decrement()
        jobDuration.record(duration)
        switch outcome {
        case .completed:
            jobsCompleted.increment()
            generationsFinished.labels(job.kind.rawValue, "succeeded").increment()
        case .retried:
            jobsFailed.increment()
            jobsRetried.increment()
        case .deadLettered:
            jobsFailed.increment()
            jobsDeadLettered.increment()
            generationsFinished.labels(job.kind.rawValue, "failed").increment()
        case .released:
            jobsReleased.increment()
        case .leaseLost:
            break
        }
    }

    public func generatorFinished(kind: GenerationKind, duration: TimeInterval, succeeded: Bool) {
        generationDuration.labels(kind.rawValue).record(duration)
    }

    public func workerHeartbeat(at time: Date) { heartbeat.set(time.timeIntervalSince1970) }

    // MARK: DatabaseObserver

    public func poolOpened(maximumConnections: Int) {
        poolSize.store(maximumConnections, ordering: .relaxed)
        collectPool()
    }

    public func connectionAcquired(waitSeconds: Double) {
        connectionWait.record(waitSeconds)
        connectionsHeld.add(1, ordering: .relaxed)
    }

    public func connectionReleased(operation: String, heldSeconds: Double, failed: Bool) {
        connectionsHeld.subtract(1, ordering: .relaxed)
        let series = operations.withLock { operations in
            if let known = operations[operation] { return known }
            // The error series is created with the duration one, so every operation exposes a zero from its first use.
            let created = (queryDuration.labels(operation), queryErrors.labels(operation))
            operations[operation] = created
            return created
        }
        series.duration.record(heldSeconds)
        if failed { series.errors.increment() }
    }

    /// Publishes the pool's in-use and idle counts (called before each exposition).
    public func collectPool() {
        let held = connectionsHeld.load(ordering: .relaxed)
        let size = poolSize.load(ordering: .relaxed)
        connectionsMax.set(Double(size))
        connectionsInUse.set(Double(held))
        connectionsIdle.set(Double(max(0, size - held)))
    }

    // MARK: Sampled at scrape time

    /// Sets the queue gauges from the database.
    public func collectQueue(_ queue: any JobQueue, now: Date = Date()) async {
        guard let snapshot = try? await queue.queueSnapshot() else { return }
        queueJobs.labels("queued").set(Double(snapshot.queued))
        queueJobs.labels("running").set(Double(snapshot.running))
        queueJobs.labels("succeeded").set(Double(snapshot.succeeded))
        queueJobs.labels("dead").set(Double(snapshot.dead))
        oldestJobAge.set(snapshot.oldestQueuedAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
    }

    /// Exports a cache's counters (as increments since the last scrape) and its size.
    public func collectCache<Key, Value, C>(_ name: String, _ cache: BoundedCache<Key, Value, C>) {
        // Under the lock, so that two concurrent scrapes never export the same increment twice.
        exportedCacheStatistics.withLock { exported in
            let current = cache.statistics
            let previous = exported[name] ?? CacheStatistics()
            exported[name] = current
            cacheLookups.labels(name, "hit").increment(by: Int64(current.hits - previous.hits))
            cacheLookups.labels(name, "miss").increment(by: Int64(current.misses - previous.misses))
            cacheEvictions.labels(name, "capacity").increment(by: Int64(current.evictions - previous.evictions))
            cacheEvictions.labels(name, "expired").increment(by: Int64(current.expirations - previous.expirations))
            cacheEntries.labels(name).set(Double(current.entries))
        }
    }
}
