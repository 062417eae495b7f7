import Testing

@testable import LookoutMetrics

/// `/metrics` lists families sorted by name, each family's lines as swift-prometheus wrote them.
@Suite struct ExpositionTests {
    @Test func familiesComeSortedAndEveryLineStaysInItsFamilyInOrder() {
        let text = """
            # HELP zeta_total Z.
            # TYPE zeta_total counter
            zeta_total{a="1"} 1
            zeta_total{a="2"} 2
            # HELP alpha_seconds A.
            # TYPE alpha_seconds histogram
            alpha_seconds_bucket{le="0.1"} 1
            alpha_seconds_bucket{le="+Inf"} 2
            alpha_seconds_sum 0.3
            alpha_seconds_count 2
            # TYPE mid gauge
            mid 5
            """
        let sorted = String(decoding: Exposition.sortedByFamily(Array(text.utf8)), as: UTF8.self)
        #expect(
            sorted == """
                # HELP alpha_seconds A.
                # TYPE alpha_seconds histogram
                alpha_seconds_bucket{le="0.1"} 1
                alpha_seconds_bucket{le="+Inf"} 2
                alpha_seconds_sum 0.3
                alpha_seconds_count 2
                # TYPE mid gauge
                mid 5
                # HELP zeta_total Z.
                # TYPE zeta_total counter
                zeta_total{a="1"} 1
                zeta_total{a="2"} 2

                """
        )
    }

    @Test func aRealRegistryKeepsEverySample() {
        let registry = MetricsRegistry()
        let http = HTTPMetrics(registry: registry)
        for route in ["/b", "/a", "/c"] { http.record(method: "GET", route: route, status: 200, seconds: 0.01, requestBytes: 1, responseBytes: 2) }
        let lines = String(decoding: registry.exposition(), as: UTF8.self).split(separator: "\n")
        let names = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(names == names.sorted())
        #expect(lines.filter { $0.contains("route=\"/a\"") }.count == lines.filter { $0.contains("route=\"/c\"") }.count)
    }
}
