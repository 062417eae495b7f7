import LookoutMetrics
import LookoutSentry
import Prometheus
import Synchronization

/// Exports the Sentry transport's own figures (sent, dropped by reason and category, failures, queue, spool), sampled
/// at scrape time like the other process-resident values.
public final class SentryTransportMetrics: Sendable {
    private let transport: HTTPTransport
    private let sent: MetricFamily<Counter>
    private let dropped: MetricFamily<Counter>
    private let failures: MetricFamily<Counter>
    private let queueLength: MetricFamily<Gauge>
    private let spoolSize: MetricFamily<Gauge>
    /// What the last scrape exported, so that counters grow by the difference (under the lock: two concurrent scrapes
    /// never export the same increment twice).
    private let exported = Mutex<(statistics: HTTPTransport.Statistics, dropped: [DiscardCounter.Key: Int])>((.init(), [:]))

    public init(registry: MetricsRegistry, transport: HTTPTransport) {
        self.transport = transport
        sent = registry.counter(SentryMetricsCatalog.sentryEnvelopesSent)
        dropped = registry.counter(SentryMetricsCatalog.sentryItemsDropped)
        failures = registry.counter(SentryMetricsCatalog.sentrySendFailures)
        queueLength = registry.gauge(SentryMetricsCatalog.sentryQueueLength)
        spoolSize = registry.gauge(SentryMetricsCatalog.sentrySpoolSize)
    }

    /// Brings the exported figures up to the transport's: call it before each exposition (a `MetricsEndpoint` collector).
    public func collect() {
        exported.withLock { exported in
            let statistics = transport.statistics
            let totals = transport.discards.totals
            sent.labels().increment(by: Int64(statistics.sentEnvelopes - exported.statistics.sentEnvelopes))
            failures.labels().increment(by: Int64(statistics.failedAttempts - exported.statistics.failedAttempts))
            for (key, count) in totals {
                dropped.labels(key.reason.rawValue, key.category).increment(by: Int64(count - (exported.dropped[key] ?? 0)))
            }
            queueLength.labels().set(Double(statistics.queued))
            spoolSize.labels().set(Double(statistics.spoolBytes))
            exported = (statistics, totals)
        }
    }
}

/// The Sentry transport's metric families (``SentryTransportMetrics`` records them).
public enum SentryMetricsCatalog {
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

    public static let all: [MetricDefinition] = [sentryEnvelopesSent, sentryItemsDropped, sentrySendFailures, sentryQueueLength, sentrySpoolSize]
}
