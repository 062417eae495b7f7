import AsyncHTTPClient
import Foundation
import LookoutSLA
import NIOCore
import NIOHTTP1

/// The SLA status computed from Prometheus instead of one process's database: with several API replicas each process
/// counts only its own traffic, while Prometheus sums every replica's `lookout_slo_events_total`.
///
/// It reads the recording rules of `deploy/prometheus/rules/lookout-slo.rules.yml` (`lookout:slo_events:increase<w>`
/// and `lookout:slo_good_events:increase<w>` for each window) with instant queries, and runs the same arithmetic as the
/// local source on those counts. Maintenance windows are not subtracted (Prometheus's sums cannot leave minutes out);
/// the report lists them all the same.
public struct PrometheusSLASource: Sendable {
    public let baseURL: URL
    public let objectives: [Objective]
    public var calculator = SLACalculator()
    /// Longest wait for each query. Default 5 s.
    public var timeout: Duration = .seconds(5)
    let client: HTTPClient

    public init(baseURL: URL, objectives: [Objective], client: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.objectives = objectives
        self.client = client
    }

    /// The status with `source: prometheus`; throws when Prometheus cannot answer (the caller falls back to local).
    public func report(now: Date, maintenance: [MaintenanceWindow] = []) async throws -> SLAStatusReport {
        let windows = Set(calculator.windows + [calculator.budgetWindow] + calculator.burnRateWindows + [.hour])
        var totals: [SLAWindow: [String: Double]] = [:]
        var goods: [SLAWindow: [String: Double]] = [:]
        try await withThrowingTaskGroup(of: (SLAWindow, Bool, [String: Double]).self) { group in
            for window in windows {
                group.addTask { (window, false, try await query("lookout:slo_events:increase\(window.description)")) }
                group.addTask { (window, true, try await query("lookout:slo_good_events:increase\(window.description)")) }
            }
            for try await (window, good, values) in group {
                if good { goods[window] = values } else { totals[window] = values }
            }
        }
        let statuses = objectives.map { objective in
            calculator.status(objective, now: now) { window in
                let total = Int64((totals[window]?[objective.name] ?? 0).rounded())
                let good = min(total, Int64((goods[window]?[objective.name] ?? 0).rounded()))
                return WindowCounts(good: good, total: total)
            }
        }
        return SLAStatusReport(source: "prometheus", generatedAt: now, statuses: statuses, maintenance: maintenance)
    }

    /// An instant query's result, by `objective` label.
    func query(_ expression: String) async throws -> [String: Double] {
        var components = URLComponents(url: baseURL.appendingPathComponent("api/v1/query"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        guard let url = components.url else { throw PrometheusQueryError("cannot build a query URL from \(baseURL)") }
        let request = HTTPClientRequest(url: url.absoluteString)
        let response = try await client.execute(request, timeout: .init(timeout))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status == .ok else {
            throw PrometheusQueryError("Prometheus answered \(response.status.code) to \(expression): \(String(buffer: body).prefix(200))")
        }
        let reply = try JSONDecoder().decode(QueryReply.self, from: Data(body.readableBytesView))
        guard reply.status == "success" else { throw PrometheusQueryError("Prometheus refused \(expression): \(reply.error ?? reply.status)") }
        var values: [String: Double] = [:]
        for sample in reply.data?.result ?? [] {
            guard let objective = sample.metric["objective"], sample.value.count == 2, case .text(let text) = sample.value[1], let value = Double(text), value.isFinite
            else { continue }
            values[objective] = value
        }
        return values
    }

    struct QueryReply: Decodable {
        var status: String
        var error: String?
        var data: Data?

        struct Data: Decodable {
            var result: [Sample]
        }

        struct Sample: Decodable {
            var metric: [String: String]
            var value: [Scalar]
        }

        /// Prometheus writes a sample as `[<unix time as a number>, "<value as text>"]`.
        enum Scalar: Decodable {
            case number(Double)
            case text(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
            }
        }
    }
}

public struct PrometheusQueryError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension PrometheusSLASource: SharedSLASource {}
