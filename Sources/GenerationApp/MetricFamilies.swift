import GenerationMetrics
import LookoutMetrics
import LookoutProber
import LookoutSentryMetrics
import LookoutSLAMetrics

/// Every metric family the reference service's programs (`backend`, `worker`, `prober`) can expose: each library's
/// catalog, collected where the libraries are composed. `docs/metrics.md` is rendered from this list.
public enum MetricFamilies {
    public static let all: [MetricDefinition] =
        MetricsCatalog.all + SentryMetricsCatalog.all + SLAMetricsCatalog.all + ProbeMetricsCatalog.all + ServiceMetricsCatalog.all
}
