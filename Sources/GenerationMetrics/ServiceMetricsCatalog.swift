import LookoutMetrics

/// The reference service's metric families: business, worker and queue, database, cache. Declared once here and
/// recorded by ``ServiceMetrics``; `docs/metrics.md` lists them with every library's (`swift run metrics-docs`).
public enum ServiceMetricsCatalog {
    // MARK: Business

    public static let registrations = MetricDefinition.counter(
        "lookout_user_registrations", help: "Users registered.", example: "increase(lookout_user_registrations_total[1h])"
    )
    public static let logins = MetricDefinition.counter(
        "lookout_logins", help: "Login attempts by outcome (success, failure).", labels: ["outcome"],
        example: #"rate(lookout_logins_total{outcome="failure"}[5m])"#
    )
    public static let throttled = MetricDefinition.counter(
        "lookout_requests_throttled",
        help: "Requests refused before any work: 429 by rate limit (auth, login_failures, status) or 503 because the password-hashing queue was full (password_hashing).",
        labels: ["policy"], example: "sum by (policy) (rate(lookout_requests_throttled_total[5m]))"
    )
    public static let payments = MetricDefinition.counter(
        "lookout_payments", help: "Payments settled by outcome (approved, declined, failed; unknown: no answer, counted again when reconciled) and currency.",
        labels: ["outcome", "currency"],
        example: #"sum(rate(lookout_payments_total{outcome="declined"}[15m])) / sum(rate(lookout_payments_total[15m]))"#
    )
    public static let revenue = MetricDefinition.counter(
        "lookout_payment_revenue_minor_units", help: "Approved payment amounts, in the currency's minor unit (cents).",
        labels: ["currency"], example: #"increase(lookout_payment_revenue_minor_units_total{currency="EUR"}[1d]) / 100"#
    )
    public static let creditsSpent = MetricDefinition.counter(
        "lookout_credits_spent", help: "Credits debited by accepted generations (refunds not subtracted).",
        example: "increase(lookout_credits_spent_total[1h])"
    )
    public static let generationRequests = MetricDefinition.counter(
        "lookout_generation_requests", help: "Generation submissions by kind and outcome (accepted, insufficient_credits, invalid).",
        labels: ["kind", "outcome"], example: #"sum by (kind) (rate(lookout_generation_requests_total{outcome="accepted"}[5m]))"#
    )
    public static let generationsFinished = MetricDefinition.counter(
        "lookout_generations_finished", help: "Generations that reached a final state, by kind and outcome (succeeded, failed).",
        labels: ["kind", "outcome"],
        example: #"sum(rate(lookout_generations_finished_total{outcome="failed"}[15m])) / sum(rate(lookout_generations_finished_total[15m]))"#
    )
    public static let generationDuration = MetricDefinition.histogram(
        "lookout_generation_duration", unit: "seconds", help: "Time the generator took per attempt, by kind.", labels: ["kind"],
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        example: #"histogram_quantile(0.95, sum by (le, kind) (rate(lookout_generation_duration_seconds_bucket[5m])))"#
    )
    public static let generationActiveTasks = MetricDefinition.gauge(
        "lookout_generation_active_tasks", help: "Generations a worker in this process is running now.",
        example: "sum(lookout_generation_active_tasks)"
    )
    public static let generationQueueWait = MetricDefinition.histogram(
        "lookout_generation_queue_wait", unit: "seconds", help: "Time a job waited between becoming due and being claimed.",
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        example: "histogram_quantile(0.95, sum by (le) (rate(lookout_generation_queue_wait_seconds_bucket[5m])))"
    )

    // MARK: Worker and queue

    public static let queueJobs = MetricDefinition.gauge(
        "lookout_queue_jobs", help: "Jobs in the database queue by state (queued, running, succeeded, dead), sampled at scrape.",
        labels: ["state"], example: #"lookout_queue_jobs{state="queued"}"#
    )
    public static let queueOldestJobAge = MetricDefinition.gauge(
        "lookout_queue_oldest_job_age", unit: "seconds", help: "Age of the oldest queued job (0 when none), sampled at scrape.",
        example: "max(lookout_queue_oldest_job_age_seconds)"
    )
    public static let jobsClaimed = MetricDefinition.counter(
        "lookout_jobs_claimed", help: "Jobs claimed by workers in this process.", example: "rate(lookout_jobs_claimed_total[5m])"
    )
    public static let jobsCompleted = MetricDefinition.counter(
        "lookout_jobs_completed", help: "Jobs completed successfully.", example: "rate(lookout_jobs_completed_total[5m])"
    )
    public static let jobsFailed = MetricDefinition.counter(
        "lookout_jobs_failed", help: "Job attempts that failed (retried or dead-lettered).", example: "rate(lookout_jobs_failed_total[5m])"
    )
    public static let jobsRetried = MetricDefinition.counter(
        "lookout_jobs_retried", help: "Failed attempts scheduled for a retry.", example: "rate(lookout_jobs_retried_total[5m])"
    )
    public static let jobsDeadLettered = MetricDefinition.counter(
        "lookout_jobs_dead_lettered", help: "Jobs that ran out of attempts (or failed permanently); their credits were refunded.",
        example: "increase(lookout_jobs_dead_lettered_total[1h])"
    )
    public static let jobsRecovered = MetricDefinition.counter(
        "lookout_jobs_recovered", help: "Jobs claimed after the previous holder's lease expired (its worker died or stalled).",
        example: "increase(lookout_jobs_recovered_total[1h])"
    )
    public static let jobsReleased = MetricDefinition.counter(
        "lookout_jobs_released", help: "Running jobs handed back to the queue at shutdown.", example: "increase(lookout_jobs_released_total[1h])"
    )
    public static let jobDuration = MetricDefinition.histogram(
        "lookout_job_duration", unit: "seconds", help: "Time from claim to outcome, per attempt.",
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        example: "histogram_quantile(0.95, sum by (le) (rate(lookout_job_duration_seconds_bucket[5m])))"
    )
    public static let workerHeartbeat = MetricDefinition.gauge(
        "lookout_worker_heartbeat_timestamp", unit: "seconds", help: "Unix time of this process's worker's last heartbeat.",
        example: "time() - max(lookout_worker_heartbeat_timestamp_seconds)"
    )

    // MARK: Database

    public static let dbConnections = MetricDefinition.gauge(
        "lookout_db_connections", help: "Database connections by state (in_use, idle).", labels: ["state"],
        example: #"lookout_db_connections{state="in_use"} / lookout_db_connections_max"#
    )
    public static let dbConnectionsMax = MetricDefinition.gauge(
        "lookout_db_connections_max", help: "Most database connections the pool opens (readers plus the writer).",
        example: "lookout_db_connections_max"
    )
    public static let dbConnectionWait = MetricDefinition.histogram(
        "lookout_db_connection_wait", unit: "seconds", help: "Time spent waiting for a database connection.",
        buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        example: "histogram_quantile(0.99, sum by (le) (rate(lookout_db_connection_wait_seconds_bucket[5m])))"
    )
    public static let dbQueryDuration = MetricDefinition.histogram(
        "lookout_db_query_duration", unit: "seconds", help: "Time a database operation held its connection, by operation.",
        labels: ["operation"], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        example: #"histogram_quantile(0.99, sum by (le, operation) (rate(lookout_db_query_duration_seconds_bucket[5m])))"#
    )
    public static let dbQueryErrors = MetricDefinition.counter(
        "lookout_db_query_errors", help: "Database operations that failed, by operation.", labels: ["operation"],
        example: "sum by (operation) (rate(lookout_db_query_errors_total[5m]))"
    )

    // MARK: Cache

    public static let cacheLookups = MetricDefinition.counter(
        "lookout_cache_lookups", help: "Cache lookups by cache and result (hit, miss).", labels: ["cache", "result"],
        example: #"sum by (cache) (rate(lookout_cache_lookups_total{result="hit"}[5m])) / sum by (cache) (rate(lookout_cache_lookups_total[5m]))"#
    )
    public static let cacheEvictions = MetricDefinition.counter(
        "lookout_cache_evictions", help: "Entries removed by cache and reason (capacity, expired).", labels: ["cache", "reason"],
        example: "sum by (cache) (rate(lookout_cache_evictions_total[5m]))"
    )
    public static let cacheEntries = MetricDefinition.gauge(
        "lookout_cache_entries", help: "Entries held by each cache.", labels: ["cache"], example: "lookout_cache_entries"
    )

    public static let retentionPurged = MetricDefinition.counter(
        "lookout_retention_purged", help: "Rows the retention purge removed: finished jobs deleted (jobs), results of old generations dropped (artifacts).",
        labels: ["kind"], example: "increase(lookout_retention_purged_total[1d])"
    )

    /// Every definition of this catalog, in documentation order.
    public static let all: [MetricDefinition] = [
        registrations, logins, throttled, payments, revenue, creditsSpent, generationRequests, generationsFinished, generationDuration,
        generationActiveTasks, generationQueueWait,
        queueJobs, queueOldestJobAge, jobsClaimed, jobsCompleted, jobsFailed, jobsRetried, jobsDeadLettered, jobsRecovered,
        jobsReleased, jobDuration, workerHeartbeat, retentionPurged,
        dbConnections, dbConnectionsMax, dbConnectionWait, dbQueryDuration, dbQueryErrors,
        cacheLookups, cacheEvictions, cacheEntries,
    ]
}
