import Foundation
import GenerationCore

// Request and response bodies of the API. Field names are the wire names (snake_case); docs/openapi: /openapi.json.

struct CredentialsBody: Decodable {
    var email: String
    var password: String
}

struct PaymentBody: Decodable {
    var amountMinor: Int64
    var currency: String
    var cardToken: String

    enum CodingKeys: String, CodingKey {
        case amountMinor = "amount_minor"
        case currency
        case cardToken = "card_token"
    }
}

struct GenerationBody: Decodable {
    var prompt: String
    var kind: String
}

/// The answer to `POST /api/v1/users`: the same for a new address and for one that has an account.
struct RegistrationDTO: Encodable {
    var email: String
    var next: String

    init(_ registration: AccountService.Registration) {
        email = registration.email
        next = "sign in with POST /api/v1/sessions; if this address already had an account, it is unchanged and its owner is told"
    }
}

struct UserDTO: Encodable {
    var id: String
    var email: String
    var credits: Int64
    var createdAt: Date

    init(_ user: User) {
        id = user.id
        email = user.email
        credits = user.credits
        createdAt = user.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, credits
        case createdAt = "created_at"
    }
}

struct SessionDTO: Encodable {
    var token: String
    var tokenType = "Bearer"
    var expiresAt: Date
    var user: UserDTO

    enum CodingKeys: String, CodingKey {
        case token
        case tokenType = "token_type"
        case expiresAt = "expires_at"
        case user
    }
}

struct PaymentDTO: Encodable {
    var id: String
    var status: String
    var amountMinor: Int64
    var currency: String
    var credits: Int64
    var failureReason: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ payment: Payment) {
        id = payment.id
        status = payment.status.rawValue
        amountMinor = payment.amountMinor
        currency = payment.currency.rawValue
        credits = payment.credits
        failureReason = payment.failureReason
        createdAt = payment.createdAt
        updatedAt = payment.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, currency, credits
        case amountMinor = "amount_minor"
        case failureReason = "failure_reason"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(amountMinor, forKey: .amountMinor)
        try container.encode(currency, forKey: .currency)
        try container.encode(credits, forKey: .credits)
        try container.encode(failureReason, forKey: .failureReason)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

struct GenerationDTO: Encodable {
    struct ResultDTO: Encodable {
        var contentType: String
        var content: String

        enum CodingKeys: String, CodingKey {
            case contentType = "content_type"
            case content
        }
    }

    var id: String
    var kind: String
    var prompt: String
    var status: String
    var creditCost: Int64
    var attempts: Int
    var result: ResultDTO?
    var failureReason: String?
    var createdAt: Date
    var updatedAt: Date
    var completedAt: Date?

    init(_ generation: Generation) {
        id = generation.id
        kind = generation.kind.rawValue
        prompt = generation.prompt
        status = generation.status.rawValue
        creditCost = generation.creditCost
        attempts = generation.attempts
        result = generation.result.map { ResultDTO(contentType: $0.contentType, content: $0.content) }
        failureReason = generation.failureReason
        createdAt = generation.createdAt
        updatedAt = generation.updatedAt
        completedAt = generation.completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, prompt, status, attempts, result
        case creditCost = "credit_cost"
        case failureReason = "failure_reason"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case completedAt = "completed_at"
    }

    /// Optional fields are written as `null` rather than left out, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(status, forKey: .status)
        try container.encode(creditCost, forKey: .creditCost)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(result, forKey: .result)
        try container.encode(failureReason, forKey: .failureReason)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(completedAt, forKey: .completedAt)
    }
}

struct GenerationPageDTO: Encodable {
    var items: [GenerationDTO]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
