import Foundation
import LookoutMetrics
import Prometheus

/// Writes each run into the families of ``ProbeMetricsCatalog``: blackbox_exporter's gauges (`probe_success`,
/// `probe_duration_seconds`, `probe_http_status_code`, `probe_http_duration_seconds{phase}`,
/// `probe_ssl_earliest_cert_expiry`) plus counters, a latency histogram and the confirmed state.
public struct ProbeMetrics: ProbeObserver {
    let success: MetricFamily<Gauge>
    let duration: MetricFamily<Gauge>
    let statusCode: MetricFamily<Gauge>
    let phases: MetricFamily<Gauge>
    let certificateExpiry: MetricFamily<Gauge>
    let runs: MetricFamily<Counter>
    let failures: MetricFamily<Counter>
    let latency: MetricFamily<ValueHistogram>
    let up: MetricFamily<Gauge>

    public init(registry: MetricsRegistry, checks: [ProbeCheck] = []) {
        success = registry.gauge(ProbeMetricsCatalog.probeSuccess)
        duration = registry.gauge(ProbeMetricsCatalog.probeDuration)
        statusCode = registry.gauge(ProbeMetricsCatalog.probeHTTPStatusCode)
        phases = registry.gauge(ProbeMetricsCatalog.probeHTTPPhaseDuration)
        certificateExpiry = registry.gauge(ProbeMetricsCatalog.probeCertificateExpiry)
        runs = registry.counter(ProbeMetricsCatalog.probeRuns)
        failures = registry.counter(ProbeMetricsCatalog.probeFailures)
        latency = registry.histogram(ProbeMetricsCatalog.probeLatency)
        up = registry.gauge(ProbeMetricsCatalog.probeUp)
        // Series exist from the start, so that `rate()` and absence alerts work before the first failure.
        for check in checks {
            _ = runs.labels(check.name)
            up.labels(check.name).set(1.0)
        }
    }

    public func probeFinished(_ outcome: ProbeOutcome, check: ProbeCheck, status: CheckStatus) {
        let name = check.name
        success.labels(name).set(outcome.success ? 1.0 : 0.0)
        duration.labels(name).set(outcome.duration)
        statusCode.labels(name).set(Double(outcome.statusCode))
        for phase in ProbePhase.allCases {
            phases.labels(name, phase.rawValue).set(outcome.phases[phase] ?? 0)
        }
        if let expiry = outcome.certificateExpiry {
            certificateExpiry.labels(name).set(expiry.timeIntervalSince1970)
        }
        runs.labels(name).increment()
        if let failure = outcome.failure { failures.labels(name, failure.rawValue).increment() }
        latency.labels(name).record(outcome.duration)
        up.labels(name).set(status.isDown ? 0.0 : 1.0)
    }
}
