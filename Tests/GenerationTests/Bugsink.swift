import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The bugsink server `scripts/test.sh` starts (a real Sentry-protocol server), read back through its API.
struct Bugsink {
    var url: String
    var dsn: String
    var token: String
    var project: String

    static func fromEnvironment() throws -> Bugsink {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            try #require(environment[name], "\(name) is not set: run the tests with scripts/test.sh, which starts bugsink (scripts/bugsink.sh)")
        }
        return Bugsink(url: try value("BUGSINK_URL"), dsn: try value("BUGSINK_DSN"), token: try value("BUGSINK_TOKEN"), project: try value("BUGSINK_PROJECT"))
    }

    private func get(_ path: String) async throws -> (status: Int, json: Any?) {
        var request = HTTPClientRequest(url: url + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)))
    }

    /// The stored event (its `data` is the payload as bugsink kept it), or nil while it is not there.
    func event(id: String) async throws -> [String: Any]? {
        let (status, json) = try await get("/api/canonical/0/events/lookup/?project=\(project)&event_id=\(id)")
        guard status == 200, let event = json as? [String: Any], event["data"] != nil else { return nil }
        return event
    }

    /// Every stored event of the project whose environment is `environment` (each test run uses its own).
    func events(environment: String) async throws -> [[String: Any]] {
        let issues = (try await get("/api/canonical/0/issues/?project=\(project)").json as? [String: Any])?["results"] as? [[String: Any]] ?? []
        var found: [[String: Any]] = []
        for issue in issues {
            guard let issueID = issue["id"] as? String else { continue }
            let events = (try await get("/api/canonical/0/events/?issue=\(issueID)").json as? [String: Any])?["results"] as? [[String: Any]] ?? []
            for summary in events {
                guard let id = (summary["event_id"] as? String)?.replacingOccurrences(of: "-", with: ""),
                    let event = try await event(id: id), let data = event["data"] as? [String: Any],
                    data["environment"] as? String == environment
                else { continue }
                found.append(data)
            }
        }
        return found
    }
}
