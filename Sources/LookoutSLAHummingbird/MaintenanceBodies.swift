import Foundation
import LookoutSLA

/// `POST /sla/maintenance`: `{"start": "2026-12-01T02:00:00Z", "end": "2026-12-01T03:00:00Z", "reason": "database upgrade"}`.
struct MaintenanceBody: Decodable {
    var start: Date
    var end: Date
    var reason: String

    enum CodingKeys: String, CodingKey { case start, end, reason }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date {
            let text = try container.decode(String.self, forKey: key)
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "\"\(text)\" is not an ISO 8601 date and time with a zone, e.g. 2026-12-01T02:00:00Z"
                )
            }
            return date
        }
        start = try date(.start)
        end = try date(.end)
        reason = try container.decode(String.self, forKey: .reason)
    }
}

/// `GET /sla/maintenance`: every window, the SLO file's (`source: configuration`) and the API's (`source: api`).
struct MaintenanceList: Encodable {
    var windows: [MaintenanceWindow]
}

/// `GET /sla/maintenance/audit`: every change made through the API, newest first.
struct MaintenanceAudit: Encodable {
    var changes: [MaintenanceAuditEntry]
}
