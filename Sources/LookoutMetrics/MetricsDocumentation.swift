import Foundation

/// Renders `docs/metrics.md` from the catalogs of every library a program uses (``MetricsCatalog`` and the others'):
/// the docs cannot drift from what is emitted, because a test compares the file with this output. Regenerate with
/// `swift run metrics-docs > docs/metrics.md`.
public enum MetricsDocumentation {
    /// The sections, in the order the page lists them; families keep their catalog's order within a section.
    static let sections = [
        "HTTP", "Business", "Worker and queue", "Database", "Cache (sampled)", "Sentry transport", "Service level objectives",
        "Synthetic probes", "Process and build",
    ]

    public static func markdown(families: [MetricDefinition]) -> String {
        var text = """
            # Metrics

            Every metric Lookout exposes at `/metrics` (the API) and at the standalone worker's `/metrics`
            (`LOOKOUT_WORKER_METRICS_PORT`) and the prober's, generated from each library's catalog:
            `Sources/LookoutMetrics/MetricsCatalog.swift` (HTTP, Sentry transport, SLO events, process and build),
            `Sources/LookoutProber/ProbeMetricsCatalog.swift` (synthetic probes) and
            `Sources/GenerationMetrics/ServiceMetricsCatalog.swift` (the reference service's business, queue, database and cache).
            Do not edit by hand: run `swift run metrics-docs > docs/metrics.md`.

            Conventions: counters end in `_total`; units are base units in the name (`_seconds`, `_bytes`); histogram bucket
            edges are written as swift-prometheus writes them (`le="1.0"`, not `le="1"`), which matters in PromQL selectors.
            Label values are bounded: `route` is a route template or `unmatched`, methods outside the standard set are `OTHER`,
            and a family that reaches `LOOKOUT_METRICS_MAX_SERIES_PER_FAMILY` label combinations records further combinations
            under one series whose labels are all `overflow` (counted in `lookout_metrics_label_overflow_total`).

            Values marked *sampled* are read when Prometheus scrapes (queue depth from the database, cache sizes, process
            figures); everything else is recorded as it happens.


            """
        var section = ""
        let ordered = families.enumerated().sorted { a, b in
            let (left, right) = (sections.firstIndex(of: Self.section(of: a.element)) ?? 0, sections.firstIndex(of: Self.section(of: b.element)) ?? 0)
            return left != right ? left < right : a.offset < b.offset
        }.map(\.element)
        for definition in ordered {
            let heading = Self.section(of: definition)
            if heading != section {
                if !section.isEmpty { text += "\n" }
                section = heading
                text += "## \(heading)\n\n| Metric | Type | Labels | Meaning | Example |\n|---|---|---|---|---|\n"
            }
            let labels = definition.labelNames.isEmpty ? "—" : definition.labelNames.map { "`\($0)`" }.joined(separator: ", ")
            var meaning = definition.help
            if definition.kind == .histogram {
                meaning += " Buckets: " + definition.buckets.map { Self.format($0) }.joined(separator: ", ") + "."
            }
            let example = definition.exampleQuery.replacingOccurrences(of: "|", with: "\\|")
            text += "| `\(definition.name)` | \(definition.kind.rawValue) | \(labels) | \(meaning) | `\(example)` |\n"
        }
        return text
    }

    private static func section(of definition: MetricDefinition) -> String {
        let name = definition.name
        if name.hasPrefix("http_") { return "HTTP" }
        if name.hasPrefix("process_") || name == "lookout_build_info" || name.hasPrefix("lookout_metrics_") { return "Process and build" }
        if name.hasPrefix("lookout_db_") { return "Database" }
        if name.hasPrefix("lookout_cache_") { return "Cache (sampled)" }
        if name.hasPrefix("lookout_sentry_") { return "Sentry transport" }
        if name.hasPrefix("lookout_slo_") { return "Service level objectives" }
        if name.hasPrefix("probe_") || name.hasPrefix("lookout_probe_") { return "Synthetic probes" }
        if name.hasPrefix("lookout_queue_") || name.hasPrefix("lookout_job") || name.hasPrefix("lookout_worker_") { return "Worker and queue" }
        return "Business"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && value < 1e15 ? String(Int(value)) : String(value)
    }
}
