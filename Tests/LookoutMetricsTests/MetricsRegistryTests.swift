import Foundation
import LookoutMetrics
import Prometheus
import TestSupport
import Testing

@Suite struct MetricsRegistryTests {
    static let requests = MetricDefinition.counter("test_requests", help: "Requests.", labels: ["path"], example: "rate(test_requests_total[5m])")

    @Test func aFamilyStopsGrowingAtItsCapAndCountsWhatItFolds() throws {
        let registry = MetricsRegistry(configuration: .init(maxSeriesPerFamily: 10))
        let family = registry.counter(Self.requests)
        for index in 0..<100 { family.labels("/path/\(index)").increment() }
        #expect(family.seriesCount == 11, "10 series plus the overflow series")
        let scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(scraped.value("test_requests_total", ["path": "overflow"]) == 90)
        #expect(scraped.sum("test_requests_total") == 100, "nothing recorded is lost, only folded")
        #expect(scraped.value("lookout_metrics_label_overflow_total", ["metric": "test_requests_total"]) == 90)
    }

    @Test func familiesComeOutSortedByName() throws {
        let registry = MetricsRegistry()
        for definition in MetricsCatalog.all where definition.labelNames.isEmpty {
            switch definition.kind {
            case .counter: registry.counter(definition).labels().increment()
            case .gauge: registry.gauge(definition).labels().set(Double(1))
            case .histogram: registry.histogram(definition).labels().record(0.3)
            }
        }
        let first = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(first.familyOrder == first.familyOrder.sorted())
        #expect(first.familyOrder.count > 5, "enough families for the order to mean something")
        let second = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(first.familyOrder == second.familyOrder)
    }

    @Test func theSameDefinitionResolvesToTheSameFamily() {
        let registry = MetricsRegistry()
        registry.counter(Self.requests).labels("/a").increment()
        registry.counter(Self.requests).labels("/a").increment()
        #expect(registry.counter(Self.requests).seriesCount == 1)
    }

    @Test func theCatalogFollowsPrometheusNamingRules() {
        #expect(MetricDefinition.namingProblems(in: MetricsCatalog.all) == [])
        #expect(MetricsCatalog.httpRequestDuration.buckets.contains(0.5))
        #expect(MetricsCatalog.httpRequestDuration.buckets.contains(1))
        #expect(MetricsCatalog.httpRequestDuration.buckets.contains(2.5))
    }

    @Test func namingProblemsAreNamed() {
        let problems = MetricDefinition.namingProblems(in: [
            Self.requests, Self.requests,
            .gauge("queue_total", help: "", example: ""),
            .histogram("latency_ms", unit: "", help: "Latency.", buckets: [1], example: ""),
            .gauge("bad-name", help: "Bad.", example: ""),
        ])
        #expect(problems == [
            "test_requests_total is declared twice",
            "queue_total has no help text", "queue_total: only counters end in _total",
            "latency_ms: base units only (seconds)",
            "bad-name is not a Prometheus name",
        ])
    }

    @Test func processMetricsReadTheRealProcess() throws {
        let registry = MetricsRegistry()
        let process = ProcessMetrics(registry: registry)
        // Burn a little CPU so that the counter has something to show.
        var x = 0.0
        for i in 0..<2_000_000 { x += sqrt(Double(i)) }
        #expect(x > 0)
        process.collect()
        let scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        let cpu = try #require(scraped.value("process_cpu_seconds_total"))
        // Clock ticks are 1/100 s, so a whole number of seconds is a legitimate reading (it made this test flaky once).
        #expect(cpu > 0, "CPU time: \(cpu)")
        #expect(try #require(scraped.value("process_resident_memory_bytes")) > 1_000_000)
        #expect(try #require(scraped.value("process_virtual_memory_bytes")) > 1_000_000)
        #expect(try #require(scraped.value("process_open_fds")) >= 3)
        #expect(try #require(scraped.value("process_max_fds")) >= 64)
        #expect(try #require(scraped.value("process_threads")) >= 1)
        let start = try #require(scraped.value("process_start_time_seconds"))
        #expect(abs(start - Date().timeIntervalSince1970) < 3600, "started within the hour: \(start)")

        for i in 0..<2_000_000 { x += sqrt(Double(i)) }
        process.collect()
        let later = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(try #require(later.value("process_cpu_seconds_total")) >= cpu, "a counter never goes down")
    }

    @Test func buildInfoCarriesVersionRevisionAndCompiler() throws {
        let registry = MetricsRegistry()
        BuildInfo.register(in: registry, revision: "abc123")
        let scraped = try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
        #expect(scraped.value("lookout_build_info", ["version": BuildInfo.version, "revision": "abc123", "swift_version": BuildInfo.swiftVersion]) == 1)
    }
}
