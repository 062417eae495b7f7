/// Every metric Lookout emits, declared once. `docs/metrics.md` is generated from this list (`swift run metrics-docs`)
/// and a test fails when the two differ.
public enum MetricsCatalog {
    // MARK: HTTP

    /// Duration buckets with edges at exactly 0.5, 1 and 2.5 s: the SLA's 1 s threshold is a bucket edge.
    public static let httpDurationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    public static let sizeBuckets: [Double] = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]

    public static let httpRequests = MetricDefinition.counter(
        "http_requests", help: "HTTP requests answered, by method, route template and exact status code.",
        labels: ["method", "route", "status"],
        example: #"sum by (route) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (route) (rate(http_requests_total[5m]))"#
    )
    public static let httpRequestDuration = MetricDefinition.histogram(
        "http_request_duration", unit: "seconds", help: "Time from receiving a request to returning its response.",
        labels: ["method", "route"], buckets: httpDurationBuckets,
        example: #"histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))"#
    )
    public static let httpRequestsInFlight = MetricDefinition.gauge(
        "http_requests_in_flight", help: "Requests being handled right now.", example: "max_over_time(http_requests_in_flight[5m])"
    )
    public static let httpRequestSize = MetricDefinition.histogram(
        "http_request_size", unit: "bytes", help: "Request body sizes (Content-Length; 0 without a body).",
        labels: ["method", "route"], buckets: sizeBuckets,
        example: "sum by (route) (rate(http_request_size_bytes_sum[5m])) / sum by (route) (rate(http_request_size_bytes_count[5m]))"
    )
    public static let httpResponseSize = MetricDefinition.histogram(
        "http_response_size", unit: "bytes", help: "Response body sizes.", labels: ["method", "route"], buckets: sizeBuckets,
        example: "histogram_quantile(0.99, sum by (le) (rate(http_response_size_bytes_bucket[5m])))"
    )

    // MARK: Business

    public static let registrations = MetricDefinition.counter(
        "lookout_user_registrations", help: "Users registered.", example: "increase(lookout_user_registrations_total[1h])"
    )
    public static let logins = MetricDefinition.counter(
        "lookout_logins", help: "Login attempts by outcome (success, failure).", labels: ["outcome"],
        example: #"rate(lookout_logins_total{outcome="failure"}[5m])"#
    )
    public static let payments = MetricDefinition.counter(
        "lookout_payments", help: "Payments settled by outcome (approved, declined, failed) and currency.",
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

    // MARK: Sentry transport

    public static let sentryEnvelopesSent = MetricDefinition.counter(
        "lookout_sentry_envelopes_sent", help: "Envelopes Sentry accepted (2xx).", example: "rate(lookout_sentry_envelopes_sent_total[5m])"
    )
    public static let sentryItemsDropped = MetricDefinition.counter(
        "lookout_sentry_items_dropped", help: "Events, transactions and other items dropped before reaching Sentry, by client-report reason and category.",
        labels: ["reason", "category"], example: "sum by (reason) (increase(lookout_sentry_items_dropped_total[1h]))"
    )
    public static let sentrySendFailures = MetricDefinition.counter(
        "lookout_sentry_send_failures", help: "Sends that failed (network error or 5xx) and will be retried.",
        example: "rate(lookout_sentry_send_failures_total[5m]) > 0"
    )
    public static let sentryQueueLength = MetricDefinition.gauge(
        "lookout_sentry_queue_length", help: "Envelopes accepted and not yet delivered or dropped (memory and spool).",
        example: "lookout_sentry_queue_length"
    )
    public static let sentrySpoolSize = MetricDefinition.gauge(
        "lookout_sentry_spool_size", unit: "bytes", help: "Bytes of envelopes waiting in the on-disk spool.", example: "lookout_sentry_spool_size_bytes"
    )

    // MARK: Service level objectives

    public static let sloEvents = MetricDefinition.counter(
        "lookout_slo_events", help: "Events counted toward each service level objective (requests, probe runs), as the SLA engine counts them.",
        labels: ["objective"], example: "sum by (objective) (increase(lookout_slo_events_total[1h]))"
    )
    public static let sloGoodEvents = MetricDefinition.counter(
        "lookout_slo_good_events", help: "The good ones among lookout_slo_events_total (not a 5xx, within the latency threshold, a successful probe).",
        labels: ["objective"],
        example: "sum by (objective) (increase(lookout_slo_good_events_total[1h])) / sum by (objective) (increase(lookout_slo_events_total[1h]))"
    )

    // MARK: Synthetic probes (blackbox_exporter's names for the gauges, so its dashboards and alerts apply)

    /// Probe latency buckets: the 1 s edge is the response-time objective.
    public static let probeDurationBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public static let probeSuccess = MetricDefinition.gauge(
        "probe_success", help: "1 if the check's latest run succeeded, else 0.", labels: ["check"], example: "avg_over_time(probe_success[1h])"
    )
    public static let probeDuration = MetricDefinition.gauge(
        "probe_duration", unit: "seconds", help: "How long the check's latest run took, all steps together.", labels: ["check"],
        example: "max by (check) (probe_duration_seconds)"
    )
    public static let probeHTTPStatusCode = MetricDefinition.gauge(
        "probe_http_status_code", help: "The status code of the latest run's last answer (0 when none came).", labels: ["check"],
        example: "probe_http_status_code >= 500"
    )
    public static let probeHTTPPhaseDuration = MetricDefinition.gauge(
        "probe_http_duration", unit: "seconds", help: "Time of each phase (resolve, connect, tls, processing, transfer) in the latest run.",
        labels: ["check", "phase"], example: "sum by (phase) (probe_http_duration_seconds{check=\"health\"})"
    )
    public static let probeCertificateExpiry = MetricDefinition.gauge(
        "probe_ssl_earliest_cert_expiry", help: "When the server certificate seen by the latest HTTPS run expires, in seconds since the Unix epoch.",
        labels: ["check"], example: "(probe_ssl_earliest_cert_expiry - time()) / 86400 < 14"
    )
    public static let probeRuns = MetricDefinition.counter(
        "lookout_probe_runs", help: "Runs of each check.", labels: ["check"], example: "sum by (check) (rate(lookout_probe_runs_total[5m]))"
    )
    public static let probeFailures = MetricDefinition.counter(
        "lookout_probe_failures", help: "Failed runs, by check and reason (resolve, connect, tls, timeout, status, body, latency, certificate_expiry, invalid).",
        labels: ["check", "reason"], example: "sum by (check, reason) (increase(lookout_probe_failures_total[1h]))"
    )
    public static let probeLatency = MetricDefinition.histogram(
        "lookout_probe_duration", unit: "seconds", help: "Duration of every run (successful or not), by check.", labels: ["check"],
        buckets: probeDurationBuckets,
        example: "histogram_quantile(0.95, sum by (le, check) (rate(lookout_probe_duration_seconds_bucket[1h])))"
    )
    public static let probeUp = MetricDefinition.gauge(
        "lookout_probe_up", help: "0 while the check is confirmed down (its consecutive-failure threshold reached), else 1.", labels: ["check"],
        example: "lookout_probe_up == 0"
    )

    // MARK: Process and build

    public static let processCPU = MetricDefinition.counter(
        "process_cpu_seconds", help: "User and system CPU time spent, in seconds.", example: "rate(process_cpu_seconds_total[5m])"
    )
    public static let processResidentMemory = MetricDefinition.gauge(
        "process_resident_memory", unit: "bytes", help: "Resident memory size.", example: "process_resident_memory_bytes"
    )
    public static let processVirtualMemory = MetricDefinition.gauge(
        "process_virtual_memory", unit: "bytes", help: "Virtual memory size.", example: "process_virtual_memory_bytes"
    )
    public static let processOpenFDs = MetricDefinition.gauge(
        "process_open_fds", help: "Open file descriptors.", example: "process_open_fds / process_max_fds"
    )
    public static let processMaxFDs = MetricDefinition.gauge(
        "process_max_fds", help: "Limit on open file descriptors.", example: "process_max_fds"
    )
    public static let processStartTime = MetricDefinition.gauge(
        "process_start_time", unit: "seconds", help: "Start time of the process since the Unix epoch.",
        example: "time() - process_start_time_seconds"
    )
    public static let processThreads = MetricDefinition.gauge(
        "process_threads", help: "OS threads in the process.", example: "process_threads"
    )
    public static let buildInfo = MetricDefinition.gauge(
        "lookout_build_info", help: "Always 1; the labels say which build is running.", labels: ["version", "revision", "swift_version"],
        example: "count by (version, revision) (lookout_build_info)"
    )
    public static let labelOverflow = MetricDefinition.counter(
        "lookout_metrics_label_overflow", help: "Recordings folded into the overflow series because a family hit its series cap.",
        labels: ["metric"], example: "increase(lookout_metrics_label_overflow_total[1h]) > 0"
    )

    /// Every definition, in documentation order.
    public static let all: [MetricDefinition] = [
        httpRequests, httpRequestDuration, httpRequestsInFlight, httpRequestSize, httpResponseSize,
        registrations, logins, payments, revenue, creditsSpent, generationRequests, generationsFinished, generationDuration,
        generationActiveTasks, generationQueueWait,
        queueJobs, queueOldestJobAge, jobsClaimed, jobsCompleted, jobsFailed, jobsRetried, jobsDeadLettered, jobsRecovered,
        jobsReleased, jobDuration, workerHeartbeat,
        dbConnections, dbConnectionsMax, dbConnectionWait, dbQueryDuration, dbQueryErrors,
        cacheLookups, cacheEvictions, cacheEntries,
        sentryEnvelopesSent, sentryItemsDropped, sentrySendFailures, sentryQueueLength, sentrySpoolSize,
        sloEvents, sloGoodEvents, probeSuccess, probeDuration, probeHTTPStatusCode, probeHTTPPhaseDuration, probeCertificateExpiry, probeRuns, probeFailures,
        probeLatency, probeUp,
        processCPU, processResidentMemory, processVirtualMemory, processOpenFDs, processMaxFDs, processStartTime, processThreads,
        buildInfo, labelOverflow,
    ]
}
