import Foundation
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import Logging
import LookoutSLA
import NIOCore

/// The SLA library's endpoints:
///
/// - `GET /sla/status`: every objective now (``SLAStatusSource``: Prometheus when configured, else this process).
/// - `GET /sla/report?month=YYYY-MM&format=json|csv`: a month's report from this process's database.
/// - `GET /sla/maintenance`, `POST /sla/maintenance` and `DELETE /sla/maintenance/{id}`: planned maintenance; the
///   changes need the admin token.
///
/// The reports (`/sla/status`, `/sla/report`) are public and read hardest during an incident: they go through a
/// ``ResponseCache`` (computed at most every few seconds, one computation for concurrent requests, `ETag` and
/// `Cache-Control`), shared with the status page so that a maintenance change clears both.
///
/// A client's mistake is an `HTTPError` with a message (400 for a bad month or format, 401, 404 for an unknown
/// window, 422 for a window that cannot be), rendered by the app.
public struct SLARoutes<Context: RequestContext>: Sendable {
    public let status: SLAStatusSource
    public let admin: BearerTokenGate
    public let body: JSONBody
    public let cache: ResponseCache<ContinuousClock>
    public let now: @Sendable () -> Date

    public init(
        status: SLAStatusSource, admin: BearerTokenGate, body: JSONBody,
        cache: ResponseCache<ContinuousClock> = ResponseCache(clock: ContinuousClock()), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.status = status
        self.admin = admin
        self.body = body
        self.cache = cache
        self.now = now
    }

    public var endpoints: [Endpoint<Context>] {
        [
            Endpoint(.get, "/sla/status") { request, _ in
                try await cache.response(for: "sla-status", request: request) {
                    ResponseCache.Body(bytes: ByteBuffer(bytes: try await status.report(now: now()).json()), contentType: Self.json)
                }
            },
            Endpoint(.get, "/sla/report") { request, _ in try await monthlyReport(request) },
            Endpoint(.get, "/sla/maintenance") { _, _ in
                try JSONResponse.snakeCase(MaintenanceList(windows: try await status.maintenance.all()))
            },
            Endpoint(.post, "/sla/maintenance") { request, context in
                try admin.require(request)
                let input = try await body.decode(MaintenanceBody.self, from: request)
                do {
                    let window = try await status.maintenance.add(
                        start: input.start, end: input.end, reason: input.reason, actor: Self.actor(request, context)
                    )
                    context.logger.notice("maintenance window added", metadata: ["window_id": .string(window.id), "start": "\(window.start)", "end": "\(window.end)"])
                    cache.invalidateAll()
                    return try JSONResponse.snakeCase(window, status: .created)
                } catch let error as MaintenanceError {
                    throw HTTPError(.unprocessableContent, message: error.description)
                }
            },
            Endpoint(.delete, "/sla/maintenance/{id}") { request, context in
                try admin.require(request)
                let id = context.parameters.get("id") ?? ""
                guard try await status.maintenance.remove(id: id, actor: Self.actor(request, context)) else {
                    throw HTTPError(.notFound, message: "no maintenance window \(id) was declared through the API (the SLO file's are removed by editing it)")
                }
                context.logger.notice("maintenance window removed", metadata: ["window_id": .string(id)])
                cache.invalidateAll()
                return Response(status: .noContent)
            },
            Endpoint(.get, "/sla/maintenance/audit") { request, _ in
                try admin.require(request)
                return try JSONResponse.snakeCase(MaintenanceAudit(changes: try await status.maintenance.audit()))
            },
        ]
    }

    private static var json: String { "application/json; charset=utf-8" }

    /// Who made a change, for the audit trail: the admin token (the only credential), the TCP peer, what proxies
    /// said (`X-Forwarded-For`, as sent) and the request id.
    static func actor(_ request: Request, _ context: Context) -> String {
        var parts = ["admin token"]
        if let peer = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress { parts.append("peer \(peer)") }
        if let forwarded = request.headers[.xForwardedFor] { parts.append("x-forwarded-for \(forwarded.prefix(200))") }
        if let id = context.logger[metadataKey: "hb.request.id"] { parts.append("request \(id)") }
        return parts.joined(separator: ", ")
    }

    private func monthlyReport(_ request: Request) async throws -> Response {
        let now = now()
        let month = request.uri.queryParameters.get("month") ?? SLAWindow.month(containing: now).description
        guard let (year, number) = SLAMonthlyReport.month(month) else {
            throw HTTPError(.badRequest, message: "month must be YYYY-MM, e.g. 2026-11 (got \"\(month)\")")
        }
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard format == "json" || format == "csv" else {
            throw HTTPError(.badRequest, message: "format must be json or csv (got \"\(format)\")")
        }
        return try await cache.response(for: "sla-report \(year)-\(number) \(format)", request: request) {
            let report = try await status.local.monthlyReport(year: year, month: number, now: now)
            return format == "csv"
                ? ResponseCache.Body(bytes: ByteBuffer(string: report.csv), contentType: "text/csv; charset=utf-8")
                : ResponseCache.Body(bytes: ByteBuffer(bytes: try report.json()), contentType: Self.json)
        }
    }
}
