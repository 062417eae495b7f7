import LookoutMetrics
import LookoutSentry
import Prometheus
import Synchronization

/// Exports the Sentry transport's own figures (sent, dropped by reason and category, failures, queue, spool), sampled
/// at scrape time like the other process-resident values.
final class SentryTransportMetrics: Sendable {
    private let transport: HTTPTransport
    private let sent: MetricFamily<Counter>
    private let dropped: MetricFamily<Counter>
    private let failures: MetricFamily<Counter>
    private let queueLength: MetricFamily<Gauge>
    private let spoolSize: MetricFamily<Gauge>
    /// What the last scrape exported, so that counters grow by the difference (under the lock: two concurrent scrapes
    /// never export the same increment twice).
    private let exported = Mutex<(statistics: HTTPTransport.Statistics, dropped: [DiscardCounter.Key: Int])>((.init(), [:]))

    init(registry: MetricsRegistry, transport: HTTPTransport) {
        self.transport = transport
        sent = registry.counter(MetricsCatalog.sentryEnvelopesSent)
        dropped = registry.counter(MetricsCatalog.sentryItemsDropped)
        failures = registry.counter(MetricsCatalog.sentrySendFailures)
        queueLength = registry.gauge(MetricsCatalog.sentryQueueLength)
        spoolSize = registry.gauge(MetricsCatalog.sentrySpoolSize)
    }

    func collect() {
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
