import Foundation
import GenerationHTTP
import HTTPTypes
import HummingbirdTesting
import Testing

/// Keeps `/openapi.json` true: the documented routes are the served routes, and real responses match their schemas.
@Suite struct OpenAPITests {
    nonisolated(unsafe) static let document = try! JSONSerialization.jsonObject(with: Data(APIRouter.openAPIDocument.utf8)) as! [String: Any]

    @Test func theDocumentIsOpenAPI31() {
        #expect(Self.document["openapi"] as? String == "3.1.0")
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        // Every route there can be: the crash route is only served when LOOKOUT_ADMIN_CRASH_ROUTE=true.
        let harness = try TestHarness { $0.adminCrashRoute = true }
        let served = Set(harness.routes.entries.map { "\($0.method.rawValue) \($0.path)" })
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(served == documented)
    }

    @Test func responsesMatchTheirDocumentedSchemas() async throws {
        let harness = try TestHarness(paymentTimeout: .milliseconds(100))
        try await harness.storage.recordWorkerHeartbeat(workerID: "w", now: Date())
        try await harness.withClient { client in
            var checked = 0
            func check(_ method: HTTPRequest.Method, _ template: String, _ reply: JSONReply) throws {
                try validate(reply, method: method, template: template)
                checked += 1
            }
            try check(.get, "/health", try await client.send(.get, "/health"))
            try check(.get, "/health/ready", try await client.send(.get, "/health/ready"))
            let register = try await client.send(.post, "/api/v1/users", json: #"{"email":"s@example.com","password":"correct horse"}"#)
            try check(.post, "/api/v1/users", register)
            try check(.post, "/api/v1/users", try await client.send(.post, "/api/v1/users", json: #"{"email":"s@example.com","password":"correct horse"}"#))
            try check(.post, "/api/v1/users", try await client.send(.post, "/api/v1/users", json: "{"))
            let login = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"s@example.com","password":"correct horse"}"#)
            try check(.post, "/api/v1/sessions", login)
            try check(.post, "/api/v1/sessions", try await client.send(.post, "/api/v1/sessions", json: #"{"email":"s@example.com","password":"wrong horse"}"#))
            let token = try #require(login["token"] as? String)
            try check(.get, "/api/v1/me", try await client.send(.get, "/api/v1/me", token: token))
            try check(.get, "/api/v1/me", try await client.send(.get, "/api/v1/me"))
            let paid = try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "1"], json: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_visa"}"#)
            try check(.post, "/api/v1/payments", paid)
            try check(.post, "/api/v1/payments", try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: "1"], json: #"{"amount_minor":100,"currency":"EUR","card_token":"tok_visa"}"#))
            for card in ["tok_declined", "tok_provider_error", "tok_timeout"] {
                try check(.post, "/api/v1/payments", try await client.send(.post, "/api/v1/payments", token: token, headers: [.idempotencyKey: card], json: #"{"amount_minor":100,"currency":"EUR","card_token":"\#(card)"}"#))
            }
            try check(.get, "/api/v1/payments/{id}", try await client.send(.get, "/api/v1/payments/\(paid["id"] as? String ?? "")", token: token))
            try check(.get, "/api/v1/payments/{id}", try await client.send(.get, "/api/v1/payments/nope", token: token))
            let generation = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"schema","kind":"text"}"#)
            try check(.post, "/api/v1/generations", generation)
            try check(.post, "/api/v1/generations", try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"","kind":"text"}"#))
            try check(.get, "/api/v1/generations/{id}", try await client.send(.get, "/api/v1/generations/\(generation["id"] as? String ?? "")", token: token))
            try check(.get, "/api/v1/generations", try await client.send(.get, "/api/v1/generations?limit=1", token: token))
            try check(.get, "/api/v1/generations", try await client.send(.get, "/api/v1/generations?limit=0", token: token))
            try check(.get, "/sla/status", try await client.send(.get, "/sla/status"))
            try check(.get, "/sla/report", try await client.send(.get, "/sla/report?month=2026-03"))
            try check(.get, "/sla/report", try await client.send(.get, "/sla/report?month=soon"))
            try check(.get, "/health/detailed", try await client.send(.get, "/health/detailed"))
            #expect(checked == 25)
        }
    }

    @Test func theDocsPageIsSelfContainedAndExplainsEveryProblemType() async throws {
        try await TestHarness().withClient { client in
            let page = try await client.send(.get, "/docs")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = page.text
            #expect(!html.contains("<script"), "readable without JavaScript")
            #expect(!html.contains("src=\"http") && !html.contains("href=\"http"), "no CDN or external asset")
            for problem in ProblemDetails.catalog {
                #expect(html.contains("id=\"problem-\(problem.code)\""), "anchor for \(problem.code)")
            }
            for operation in ["register", "login", "createPayment", "createGeneration", "listGenerations"] {
                #expect(html.contains("id=\"\(operation)\""))
            }
            let spec = try await client.send(.get, "/openapi.json")
            #expect(spec["openapi"] as? String == "3.1.0")
        }
    }

    // MARK: - A small JSON Schema check (type, required, properties, items, enum, $ref) for the subset the document uses.

    private func validate(_ reply: JSONReply, method: HTTPRequest.Method, template: String) throws {
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        let operation = try #require(paths[template]?[method.rawValue.lowercased()] as? [String: Any], "\(method) \(template) undocumented")
        let responses = try #require(operation["responses"] as? [String: Any])
        let documented = try #require(responses[String(reply.status.code)] as? [String: Any], "\(method) \(template) answered an undocumented \(reply.status.code): \(reply.text)")
        let response = resolve(documented)
        let content = try #require(response["content"] as? [String: [String: Any]])
        let mediaType = String(reply.headers[.contentType]?.split(separator: ";").first ?? "")
        let schema = try #require(content[mediaType]?["schema"] as? [String: Any], "\(method) \(template) \(reply.status.code) answered undocumented \(mediaType)")
        let body = try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView), options: [.fragmentsAllowed])
        let problems = check(body, against: schema, at: "$")
        #expect(problems.isEmpty, "\(method) \(template) \(reply.status.code): \(problems)")
    }

    private func resolve(_ node: [String: Any]) -> [String: Any] {
        guard let reference = node["$ref"] as? String else { return node }
        var current: Any? = Self.document
        for part in reference.dropFirst(2).split(separator: "/") { current = (current as? [String: Any])?[String(part)] }
        return resolve(current as? [String: Any] ?? [:])
    }

    private func check(_ value: Any, against rawSchema: [String: Any], at path: String) -> [String] {
        let schema = resolve(rawSchema)
        var types: [String] = []
        if let one = schema["type"] as? String { types = [one] } else if let many = schema["type"] as? [String] { types = many }
        let actual: String
        switch value {
        case is NSNull: actual = "null"
        // JSON true/false parse as a distinct NSNumber subclass (`1 is Bool` is true as well, so ask the class).
        case let number as NSNumber where String(describing: type(of: number)).contains("Boolean"): actual = "boolean"
        case let number as NSNumber: actual = number.doubleValue == number.doubleValue.rounded() ? "integer" : "number"
        case is String: actual = "string"
        case is [Any]: actual = "array"
        case is [String: Any]: actual = "object"
        default: actual = "unknown"
        }
        if !types.isEmpty, !types.contains(actual), !(actual == "integer" && types.contains("number")) {
            return ["\(path) is \(actual), documented as \(types)"]
        }
        var problems: [String] = []
        if let allowed = schema["enum"] as? [String], let string = value as? String, !allowed.contains(string) {
            problems.append("\(path)=\(string) not in \(allowed)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key) is required but missing")
            }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for (key, child) in object {
                if let property = properties[key] {
                    problems += check(child, against: property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    problems += check(child, against: additional, at: "\(path).\(key)")
                } else if !properties.isEmpty {
                    problems.append("\(path).\(key) is not documented")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() { problems += check(element, against: items, at: "\(path)[\(index)]") }
        }
        return problems
    }
}
