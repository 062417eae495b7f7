/// The metric families this package records itself: HTTP (``HTTPMetrics``), process and build. Each other library
/// declares its own next to the code that records them (the prober's in `LookoutProber`, the SLO events' in
/// `LookoutSLAMetrics`, Sentry's transport's in `LookoutSentryMetrics`, the reference service's in
/// `GenerationMetrics`); `docs/metrics.md` is generated from all of them (`swift run metrics-docs`) and a test fails
/// when the two differ.
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

    /// Every definition of this catalog, in documentation order.
    public static let all: [MetricDefinition] = [
        httpRequests, httpRequestDuration, httpRequestsInFlight, httpRequestSize, httpResponseSize,
        processCPU, processResidentMemory, processVirtualMemory, processOpenFDs, processMaxFDs, processStartTime, processThreads,
        buildInfo, labelOverflow,
    ]
}
