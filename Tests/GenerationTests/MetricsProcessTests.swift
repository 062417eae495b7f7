import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Metrics as an operator meets them: a real Prometheus scraping the real backend, the standalone worker's endpoint,
/// and the backend's memory under a flood of random URLs.
@Suite(.serialized, .integration("the built backend and worker", "prometheus")) struct MetricsProcessTests {
    let directory: URL

    init() throws {
        directory = try ServiceProcess.temporaryDirectory("lookout-metrics")
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ServiceProcess.environment(directory: directory, extra)
    }

    func get(_ url: String, method: HTTPMethod = .GET, token: String? = nil, body: String? = nil) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    func login(_ base: String) async throws -> String {
        _ = try await get("\(base)/api/v1/users", method: .POST, body: #"{"email":"prom@example.com","password":"correct horse"}"#)
        let login = try await get("\(base)/api/v1/sessions", method: .POST, body: #"{"email":"prom@example.com","password":"correct horse"}"#)
        let json = try JSONSerialization.jsonObject(with: Data(login.text.utf8)) as? [String: Any]
        return try #require(json?["token"] as? String)
    }

    /// As deployed: `/metrics` protected by a bearer token that the backend and Prometheus both read from one secret
    /// file (`LOOKOUT_METRICS_BEARER_TOKEN_FILE`, `credentials_file`).
    @Test func aRealPrometheusScrapesExactlyTheRequestsWeMade() async throws {
        let tokenFile = directory.appendingPathComponent("lookout_metrics_token")
        try "scrape-token-0123456789abcdef\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let backend = try ServiceProcess("backend", environment: environment(["LOOKOUT_METRICS_BEARER_TOKEN_FILE": tokenFile.path]))
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        #expect(try await get("\(base)/metrics").status == 401)
        #expect(try await get("\(base)/metrics", token: "scrape-token-0123456789abcdef").status == 200)
        let token = try await login(base)
        let requests = 37
        for _ in 0..<requests { #expect(try await get("\(base)/api/v1/me", token: token).status == 200) }

        let prometheus = try await RealPrometheus.start(directory: directory, configuration: """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: lookout
                authorization: {credentials_file: "\(tokenFile.path)"}
                static_configs:
                  - targets: ["\(base.dropFirst("http://".count))"]
            """)
        let query = prometheus.query
        let counted = #"sum(http_requests_total{route="/api/v1/me",method="GET",status="200"})"#
        let seen = try await eventually { try await query(counted) == Double(requests) }
        let reported = try await query(counted)
        #expect(seen, "Prometheus reports \(String(describing: reported)), expected \(requests)")
        #expect(try await query(#"up{job="lookout"}"#) == 1)
        #expect(try await query(#"lookout_user_registrations_total"#) == 1)
        #expect(try await query(#"lookout_logins_total{outcome="success"}"#) == 1)
        try await prometheus.stop()
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }

    @Test func theStandaloneWorkerServesItsOwnMetrics() async throws {
        let worker = try ServiceProcess("worker", environment: environment(["LOOKOUT_WORKER_ID": "metrics-worker"]))
        let port = try await worker.waitForPort("worker metrics server listening")
        var scraped = try ScrapedMetrics("")
        let beating = try await eventually {
            scraped = try ScrapedMetrics(try await get("http://127.0.0.1:\(port)/metrics").text)
            return (scraped.value("lookout_worker_heartbeat_timestamp_seconds") ?? 0) > 0
        }
        #expect(beating)
        #expect((scraped.value("process_cpu_seconds_total") ?? 0) > 0)
        #expect(scraped.value("lookout_queue_jobs", ["state": "queued"]) == 0)
        #expect(scraped.series("lookout_build_info").count == 1)
        #expect(try await get("http://127.0.0.1:\(port)/health").status == 200)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func tenThousandRandomURLsKeepSeriesBoundedAndMemoryFlat() async throws {
        let backend = try ServiceProcess("backend", environment: environment())
        let base = "http://127.0.0.1:\(try await backend.waitForPort())"
        // PURGE and PROPFIND are outside the standard set (recorded as OTHER) but known to the HTTP parser, which answers 400
        // to made-up methods itself, before any application code runs.
        let methods: [HTTPMethod] = [.GET, .POST, .PUT, .DELETE, .PATCH, .RAW(value: "PROPFIND"), .RAW(value: "PURGE")]
        func flood(_ count: Int, offset: Int) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        for index in stride(from: lane, to: count, by: 4) {
                            let method = methods[(offset + index) % methods.count]
                            _ = try await get("\(base)/\(UUID().uuidString)/\(offset + index)?x=\(index)", method: method)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        func scrape() async throws -> ScrapedMetrics { try ScrapedMetrics(try await get("\(base)/metrics").text) }

        try await flood(2_000, offset: 0)
        let warm = try await scrape()
        try await flood(8_000, offset: 2_000)
        let after = try await scrape()

        let series = after.series("http_requests_total")
        #expect(series.reduce(0) { $0 + $1.value } == 10_000)
        #expect(series.count <= 6, "GET, POST, PUT, DELETE, PATCH and OTHER on one `unmatched` route: \(series.count)")
        #expect(after.series("http_request_duration_seconds_count").count == warm.series("http_request_duration_seconds_count").count)
        let before = try #require(warm.value("process_resident_memory_bytes"))
        let grown = try #require(after.value("process_resident_memory_bytes")) - before
        #expect(grown < 16 * 1024 * 1024, "resident memory grew \(Int(grown) / 1024) KiB over 8 000 requests")
        backend.signal(SIGTERM)
        #expect(try await backend.waitForExit() == 0)
    }
}
