import LookoutMetrics

// Prints docs/metrics.md from the metrics catalog: `swift run metrics-docs > docs/metrics.md`.
print(MetricsDocumentation.markdown(), terminator: "")
