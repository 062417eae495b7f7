import Foundation
import GenerationCore
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore

/// The `/api/v1` routes: users, sessions, payments and generations.
struct APIRoutes: Sendable {
    let accounts: AccountService
    let payments: PaymentService
    let generations: GenerationService
    let body: JSONBody
    /// Registration and login cost a password hash each: limited per client before the body is read.
    let authThrottle: RequestThrottle<ContinuousClock>?

    func register(on router: Router<APIRequestContext>, table: RouteTable) {
        let v1 = "/api/v1"
        router.on(.post, "\(v1)/users", recordingIn: table) { request, context in
            try authThrottle?.admit(request, context: context)
            let input = try await body.decode(CredentialsBody.self, from: request)
            let registration = try await accounts.register(email: input.email, password: input.password)
            return try JSONResponse.make(RegistrationDTO(registration), status: .accepted)
        }
        router.on(.post, "\(v1)/sessions", recordingIn: table) { request, context in
            try authThrottle?.admit(request, context: context)
            let input = try await body.decode(CredentialsBody.self, from: request)
            let login = try await accounts.login(email: input.email, password: input.password)
            return try JSONResponse.make(SessionDTO(token: login.token, expiresAt: login.expiresAt, user: UserDTO(login.user)), status: .created)
        }
        router.on(.delete, "\(v1)/sessions/current", recordingIn: table) { request, _ in
            try await accounts.endSession(bearerToken: bearer(request))
            return Response(status: .noContent)
        }
        router.on(.delete, "\(v1)/sessions", recordingIn: table) { request, _ in
            _ = try await accounts.endAllSessions(bearerToken: bearer(request))
            return Response(status: .noContent)
        }
        router.on(.get, "\(v1)/me", recordingIn: table) { request, _ in
            let userID = try await authenticate(request)
            return try JSONResponse.make(UserDTO(try await accounts.user(id: userID)))
        }
        router.on(.post, "\(v1)/payments", recordingIn: table) { request, _ in
            let userID = try await authenticate(request)
            let input = try await body.decode(PaymentBody.self, from: request)
            let outcome = try await payments.pay(
                userID: userID, idempotencyKey: request.headers[.idempotencyKey],
                request: .init(amountMinor: input.amountMinor, currency: input.currency, cardToken: input.cardToken)
            )
            var headers: HTTPFields = [.location: "\(v1)/payments/\(outcome.payment.id)"]
            if !outcome.created { headers[.idempotentReplayed] = "true" }
            return try JSONResponse.make(PaymentDTO(outcome.payment), status: outcome.created ? .created : .ok, headers: headers)
        }
        router.on(.get, "\(v1)/payments/{id}", recordingIn: table) { request, context in
            let userID = try await authenticate(request)
            let id = try context.parameters.require("id")
            return try JSONResponse.make(PaymentDTO(try await payments.payment(id: id, userID: userID)))
        }
        router.on(.post, "\(v1)/generations", recordingIn: table) { request, _ in
            let userID = try await authenticate(request)
            let input = try await body.decode(GenerationBody.self, from: request)
            let submission = try await generations.submit(
                userID: userID, prompt: input.prompt, kind: input.kind, idempotencyKey: request.headers[.idempotencyKey]
            )
            var headers: HTTPFields = [.location: "\(v1)/generations/\(submission.generation.id)"]
            if !submission.created { headers[.idempotentReplayed] = "true" }
            return try JSONResponse.make(GenerationDTO(submission.generation), status: submission.created ? .accepted : .ok, headers: headers)
        }
        router.on(.get, "\(v1)/generations/{id}", recordingIn: table) { request, context in
            let userID = try await authenticate(request)
            let id = try context.parameters.require("id")
            return try JSONResponse.make(GenerationDTO(try await generations.generation(id: id, userID: userID)))
        }
        router.on(.get, "\(v1)/generations", recordingIn: table) { request, _ in
            let userID = try await authenticate(request)
            let query = request.uri.queryParameters
            var limit: Int?
            if let rawLimit = query["limit"] {
                guard let parsed = Int(String(rawLimit)) else {
                    throw ServiceError(.validationFailed, "limit must be an integer")
                }
                limit = parsed
            }
            let page = try await generations.list(
                userID: userID, status: query["status"].map(String.init), limit: limit, cursor: query["cursor"].map(String.init)
            )
            return try JSONResponse.make(GenerationPageDTO(items: page.items.map(GenerationDTO.init), nextCursor: page.nextCursor))
        }
    }

    private func authenticate(_ request: Request) async throws -> String {
        try await accounts.authenticate(bearerToken: bearer(request))
    }

    private func bearer(_ request: Request) -> String? {
        request.headers[.authorization].flatMap(Self.bearerToken)
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case, blanks around the token
    /// ignored); nil for another scheme. Plain Swift on the UTF-8 view: Foundation's `trimmingCharacters` bridged the
    /// header through `NSString`, 3 % of `GET /api/v1/me`'s CPU in a profile.
    static func bearerToken(_ header: String) -> String? {
        guard let space = header.utf8.firstIndex(of: UInt8(ascii: " ")),
            header.utf8[..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var token = header.utf8[header.utf8.index(after: space)...].drop(while: isBlank)
        while let last = token.last, isBlank(last) { token = token.dropLast() }
        return String(Substring(token))
    }
}
