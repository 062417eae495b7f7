import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LookoutHummingbird
import NIOCore
import Testing

/// A library's endpoints on a plain Hummingbird router (an app without Lookout's route table), its JSON helpers and
/// its admin gate: what an adopter gets without the reference service.
@Suite struct EndpointTests {
    struct Note: Codable, Equatable { var text: String }

    static func router(token: String?) -> Router<BasicRequestContext> {
        let gate = BearerTokenGate(token: token, settingName: "NOTES_ADMIN_TOKEN")
        let body = JSONBody(maxBytes: 64)
        let router = Router()
        router.add([
            Endpoint(.get, "/notes/{id}") { _, context in
                try JSONResponse.snakeCase(Note(text: "note \(context.parameters.get("id") ?? "")"))
            },
            Endpoint(.post, "/notes") { request, _ in
                try gate.require(request)
                return try JSONResponse.snakeCase(try await body.decode(Note.self, from: request), status: .created)
            },
        ])
        return router
    }

    @Test func endpointsAreServedWithTheirTemplates() async throws {
        try await Application(router: Self.router(token: "t0ken")).test(.router) { client in
            try await client.execute(uri: "/notes/7", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(String(buffer: response.body) == #"{"text":"note 7"}"#)
            }
            try await client.execute(uri: "/notes", method: .post, headers: [.authorization: "Bearer t0ken"], body: ByteBuffer(string: #"{"text":"hi"}"#)) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test func clientMistakesAreHTTPErrorsThatSayWhatToDo() async throws {
        try await Application(router: Self.router(token: "t0ken")).test(.router) { client in
            try await client.execute(uri: "/notes", method: .post, headers: [.authorization: "Bearer wrong"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(String(buffer: response.body).contains("Authorization: Bearer <NOTES_ADMIN_TOKEN>"))
            }
            let headers: HTTPFields = [.authorization: "bearer t0ken", .contentType: "application/json"]
            try await client.execute(uri: "/notes", method: .post, headers: headers, body: ByteBuffer(string: #"{"text":1}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("field `text` must be a string"))
            }
            try await client.execute(uri: "/notes", method: .post, headers: [.authorization: "Bearer t0ken", .contentType: "text/plain"], body: ByteBuffer(string: "hi")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/notes", method: .post, headers: [.authorization: "Bearer t0ken"], body: ByteBuffer(string: String(repeating: " ", count: 65))) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        try await Application(router: Self.router(token: nil)).test(.router) { client in
            try await client.execute(uri: "/notes", method: .post, headers: [.authorization: "Bearer t0ken"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("set NOTES_ADMIN_TOKEN on the server"))
            }
        }
    }
}
