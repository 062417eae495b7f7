import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An answer of a real process over HTTP, its body read as JSON (empty when it is not).
struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var json: [String: Any]
    var text: String
}

/// One HTTP call to a process the test started.
func call(_ method: HTTPMethod, _ url: String, token: String? = nil, headers extra: [(String, String)] = [], body: String? = nil) async throws -> Reply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    for (name, value) in extra { request.headers.add(name: name, value: value) }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    return Reply(status: Int(response.status.code), headers: response.headers, json: json, text: String(buffer: bytes))
}

