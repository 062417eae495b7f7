import LookoutMetrics

/// The prober's metric families, recorded by ``ProbeMetrics``. The gauges carry blackbox_exporter's names, so that its
/// dashboards and alerts apply to either.
public enum ProbeMetricsCatalog {
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

    /// Every definition of this catalog, in documentation order.
    public static let all: [MetricDefinition] = [
        probeSuccess, probeDuration, probeHTTPStatusCode, probeHTTPPhaseDuration, probeCertificateExpiry, probeRuns, probeFailures,
        probeLatency, probeUp,
    ]
}
