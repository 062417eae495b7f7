import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LookoutHummingbird
import LookoutMetrics
import LookoutMetricsHummingbird
import NIOCore
import TestSupport
import Testing

struct Boom: Error {}

@Suite struct HTTPMetricsMiddlewareTests {
    /// A bare Hummingbird app: no problem-details layer, so thrown errors reach the middleware as they are.
    static func app(
        _ registry: MetricsRegistry, access: MetricsEndpoint.Access = .open, configuration: HTTPMetricsMiddleware<BasicRequestContext>.Configuration = .init()
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware(registry: registry, configuration: configuration))
        router.get("/items/{id}") { _, _ in "hello" }
        router.post("/items") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .created, body: .init(byteBuffer: body))
        }
        router.get("/bad-gateway") { _, _ -> String in throw HTTPError(.badGateway) }
        router.get("/crash") { _, _ -> String in throw Boom() }
        router.get("/health") { _, _ in "ok" }
        router.get("/stream") { _, _ in
            // Three chunks, length unknown up front: what a streamed download looks like.
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<3 { try await writer.write(ByteBuffer(repeating: UInt8(ascii: "x"), count: 1000)) }
                try await writer.finish(nil)
            })
        }
        MetricsEndpoint(registry: registry, access: access).register(on: router)
        return Application(router: router)
    }

    static func scrape(_ registry: MetricsRegistry) throws -> ScrapedMetrics {
        try ScrapedMetrics(String(decoding: registry.exposition(), as: UTF8.self))
    }

    @Test func requestsAreCountedByMethodRouteTemplateAndExactStatus() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            for id in 1...3 { try await client.execute(uri: "/items/\(id)", method: .get) }
            try await client.execute(uri: "/items", method: .post, body: ByteBuffer(string: String(repeating: "x", count: 300)))
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/items/{id}", "status": "200"]) == 3)
        #expect(scraped.value("http_requests_total", ["method": "POST", "route": "/items", "status": "201"]) == 1)
        #expect(scraped.value("http_request_duration_seconds_count", ["method": "GET", "route": "/items/{id}"]) == 3)
        #expect(scraped.value("http_request_size_bytes_sum", ["method": "POST", "route": "/items"]) == 300)
        #expect(scraped.value("http_response_size_bytes_sum", ["method": "POST", "route": "/items"]) == 300)
        #expect(scraped.value("http_response_size_bytes_sum", ["method": "GET", "route": "/items/{id}"]) == 15)
        #expect(scraped.value("http_requests_in_flight") == 0)
        let edges = Set(scraped.series("http_request_duration_seconds_bucket").compactMap { $0.labels["le"] })
        #expect(edges.isSuperset(of: ["0.5", "1.0", "2.5", "+Inf"]), "\(edges)")
    }

    /// A streamed body is recorded once written: its size is what was sent, not the unknown length of its head.
    @Test func aStreamedBodyIsRecordedWhenWritten() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            let response = try await client.execute(uri: "/stream", method: .get)
            #expect(response.body.readableBytes == 3000)
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.value("http_response_size_bytes_sum", ["method": "GET", "route": "/stream"]) == 3000)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/stream", "status": "200"]) == 1)
        #expect(scraped.value("http_requests_in_flight") == 0)
    }

    /// The prober's requests are not users' traffic: left out, as the request SLOs leave them out, so that an idle
    /// service does not look busy to the alerts' volume guards. They are known by their secret, not their User-Agent.
    @Test func syntheticProbesAreNotCounted() async throws {
        let registry = MetricsRegistry()
        var configuration = HTTPMetricsMiddleware<BasicRequestContext>.Configuration()
        configuration.probeSecret = "probe-secret-0123456789"
        try await Self.app(registry, configuration: configuration).test(.router) { client in
            for _ in 0..<4 {
                try await client.execute(uri: "/items/1", method: .get, headers: [RequestFilter.probeHeader: "probe-secret-0123456789"])
            }
            // A client claiming to be the prober, by User-Agent or a wrong secret, is counted.
            try await client.execute(uri: "/items/2", method: .get, headers: [.userAgent: "Lookout-Prober/1"])
            try await client.execute(uri: "/items/3", method: .get, headers: [RequestFilter.probeHeader: "guess"])
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/items/{id}", "status": "200"]) == 2)
    }

    @Test func handlersThatThrowAreRecordedWithTheirStatus() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            let badGateway = try await client.execute(uri: "/bad-gateway", method: .get)
            let crash = try await client.execute(uri: "/crash", method: .get)
            #expect(badGateway.status == .badGateway)
            #expect(crash.status == .internalServerError)
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/bad-gateway", "status": "502"]) == 1)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "/crash", "status": "500"]) == 1)
        #expect(scraped.value("http_request_duration_seconds_count", ["method": "GET", "route": "/crash"]) == 1)
        #expect(scraped.value("http_requests_in_flight") == 0)
    }

    @Test func unmatchedPathsAndUnknownMethodsCollapseToFixedValues() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            try await client.execute(uri: "/nope/123", method: .get)
            try await client.execute(uri: "/items/1", method: HTTPRequest.Method("BREW")!)
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.value("http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]) == 1)
        #expect(scraped.value("http_requests_total", ["method": "OTHER", "route": "unmatched", "status": "404"]) == 1)
        #expect(scraped.series("http_requests_total").allSatisfy { !$0.labels["route"]!.contains("123") })
    }

    @Test func excludedPathsAreNotRecorded() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            try await client.execute(uri: "/health", method: .get)
            try await client.execute(uri: "/metrics", method: .get)
        }
        let scraped = try Self.scrape(registry)
        #expect(scraped.series("http_requests_total").isEmpty)
    }

    @Test func tenThousandRandomRequestsKeepTheSeriesBounded() async throws {
        let registry = MetricsRegistry()
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "PURGE", "BREW", "X-\(UUID().uuidString.prefix(4))"]
        try await Self.app(registry).test(.router) { client in
            for index in 0..<10_000 {
                let method = HTTPRequest.Method(methods[index % methods.count] + (index % 97 == 0 ? "\(index)" : ""))!
                try await client.execute(uri: "/\(UUID().uuidString)/\(index)?q=\(index)", method: method)
            }
        }
        let scraped = try Self.scrape(registry)
        let series = scraped.series("http_requests_total")
        #expect(series.reduce(0) { $0 + $1.value } == 10_000)
        #expect(series.count <= 6, "methods GET/POST/PUT/DELETE/PATCH/OTHER × one route × one status; got \(series.count)")
        #expect(scraped.series("http_request_duration_seconds_count").count <= 6)
    }

    @Test func bearerProtectionRefusesMissingAndWrongTokens() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry, access: .bearer(token: "s3cret-token-for-tests")).test(.router) { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            let ok = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer s3cret-token-for-tests"])
            #expect(ok.status == .ok)
            #expect(ok.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    @Test func basicProtectionChecksUserAndPassword() async throws {
        let registry = MetricsRegistry()
        let good = "Basic " + Data("prometheus:correct-horse-battery".utf8).base64EncodedString()
        let bad = "Basic " + Data("prometheus:wrong".utf8).base64EncodedString()
        try await Self.app(registry, access: .basic(username: "prometheus", password: "correct-horse-battery")).test(.router) { client in
            let refused = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: bad])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == #"Basic realm="metrics""#)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: good]).status == .ok)
        }
    }

    @Test func theExpositionIsGzippedWhenTheScraperAsks() async throws {
        let registry = MetricsRegistry()
        try await Self.app(registry).test(.router) { client in
            try await client.execute(uri: "/items/1", method: .get)
            let plain = try await client.execute(uri: "/metrics", method: .get)
            #expect(plain.headers[.contentEncoding] == nil)
            let zipped = try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip, deflate"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            var body = zipped.body
            let inflated = try body.decompress(with: .gzip())
            #expect(String(buffer: inflated) == String(buffer: plain.body))
            #expect(zipped.body.readableBytes < plain.body.readableBytes)
        }
    }
}
