import Foundation

/// Renders `/docs`: a self-contained HTML page (inline CSS, no scripts, no CDN) generated from the OpenAPI document,
/// with one anchor per problem type so that every problem's `type` resolves to its explanation.
enum DocsPage {
    static func render(openAPI: String, problems: [(code: String, status: Int, title: String)]) -> String {
        guard let document = try? JSONSerialization.jsonObject(with: Data(openAPI.utf8)) as? [String: Any] else {
            return "<!doctype html><title>Lookout API</title><p>The OpenAPI document could not be read."
        }
        let info = document["info"] as? [String: Any] ?? [:]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]] ?? [:]
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(info["title"] as? String ?? "API"))</title>
            <style>
            body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1d2430}
            h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #dde}code,pre{font-family:ui-monospace,monospace;font-size:.9em}
            pre{background:#f4f5f8;padding:.6rem;overflow-x:auto}.op{border:1px solid #dde;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
            .m{display:inline-block;min-width:4.2rem;font-weight:700;color:#fff;border-radius:4px;padding:0 .4rem;text-align:center}
            .get{background:#2f6fde}.post{background:#1b8a4a}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.2rem .4rem;text-align:left;vertical-align:top}
            </style></head><body>
            <h1>\(escape(info["title"] as? String ?? "API")) <small>v\(escape(info["version"] as? String ?? ""))</small></h1>
            <p>\(escape(info["description"] as? String ?? ""))</p>
            <p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
            <h2 id="operations">Operations</h2>
            """
        for path in paths.keys.sorted() {
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let operation = paths[path]?[method] as? [String: Any] else { continue }
                html += "<div class=\"op\" id=\"\(escape(operation["operationId"] as? String ?? ""))\">"
                html += "<p><span class=\"m \(method)\">\(method.uppercased())</span> <code>\(escape(path))</code> — \(escape(operation["summary"] as? String ?? ""))"
                if operation["security"] != nil { html += " <em>(bearer token)</em>" }
                html += "</p>"
                if let description = operation["description"] as? String { html += "<p>\(escape(description))</p>" }
                if let parameters = operation["parameters"] as? [[String: Any]] {
                    html += "<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr>"
                    for parameter in parameters.map({ resolve($0, document) }) {
                        html += "<tr><td><code>\(escape(parameter["name"] as? String ?? ""))</code></td><td>\(escape(parameter["in"] as? String ?? ""))</td>"
                        html += "<td>\((parameter["required"] as? Bool ?? false) ? "yes" : "no")</td><td>\(escape(parameter["description"] as? String ?? ""))</td></tr>"
                    }
                    html += "</table>"
                }
                if let body = operation["requestBody"] as? [String: Any],
                    let schema = ((body["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any],
                    let name = (schema["$ref"] as? String)?.split(separator: "/").last
                {
                    html += "<p>Body: <a href=\"#schema-\(name)\">\(name)</a></p>"
                }
                if let responses = operation["responses"] as? [String: Any] {
                    let codes = responses.keys.sorted().map { code -> String in
                        let response = resolve(responses[code] as? [String: Any] ?? [:], document)
                        return "<code>\(code)</code> \(escape(response["description"] as? String ?? ""))"
                    }
                    html += "<p>Responses: \(codes.joined(separator: " · "))</p>"
                }
                html += "</div>"
            }
        }
        html += "<h2 id=\"schemas\">Schemas</h2>"
        for name in schemas.keys.sorted() {
            let schema = schemas[name] ?? [:]
            html += "<h3 id=\"schema-\(name)\">\(name)</h3>"
            if let description = schema["description"] as? String { html += "<p>\(escape(description))</p>" }
            let required = Set(schema["required"] as? [String] ?? [])
            if let properties = schema["properties"] as? [String: [String: Any]] {
                html += "<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>"
                for field in properties.keys.sorted() {
                    let property = properties[field] ?? [:]
                    html += "<tr><td><code>\(escape(field))</code>\(required.contains(field) ? " *" : "")</td><td>\(escape(typeName(property)))</td>"
                    html += "<td>\(escape(property["description"] as? String ?? ""))</td></tr>"
                }
                html += "</table>"
            }
        }
        html += "<h2 id=\"problems\">Problem types</h2><p>Every error is <code>application/problem+json</code>; its <code>type</code> is one of these.</p><table><tr><th>Type</th><th>Status</th><th>Title</th></tr>"
        for problem in problems {
            html += "<tr id=\"problem-\(problem.code)\"><td><code>/docs#problem-\(problem.code)</code></td><td>\(problem.status)</td><td>\(escape(problem.title))</td></tr>"
        }
        html += "</table></body></html>"
        return html
    }

    private static func resolve(_ object: [String: Any], _ document: [String: Any]) -> [String: Any] {
        guard let reference = object["$ref"] as? String, reference.hasPrefix("#/") else { return object }
        var node: Any? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
        return node as? [String: Any] ?? object
    }

    private static func typeName(_ property: [String: Any]) -> String {
        if let reference = property["$ref"] as? String { return String(reference.split(separator: "/").last ?? "") }
        var name: String
        if let types = property["type"] as? [String] { name = types.joined(separator: " | ") } else { name = property["type"] as? String ?? "any" }
        if let values = property["enum"] as? [String] { name += " (" + values.joined(separator: ", ") + ")" }
        return name
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
