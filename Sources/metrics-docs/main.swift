import GenerationApp
import LookoutMetrics

// Prints docs/metrics.md from every library's metrics catalog: `swift run metrics-docs > docs/metrics.md`.
print(MetricsDocumentation.markdown(families: MetricFamilies.all), terminator: "")
