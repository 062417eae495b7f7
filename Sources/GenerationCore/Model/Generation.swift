import Foundation

/// What a generation produces. Each kind has a fixed price in credits.
public enum GenerationKind: String, CaseIterable, Sendable, Codable {
    /// An SVG picture.
    case image
    /// A short text.
    case text

    public var creditCost: Int64 {
        switch self {
        case .image: 10
        case .text: 2
        }
    }
}

public enum GenerationStatus: String, CaseIterable, Sendable, Codable {
    case queued, running, succeeded, failed

    /// Succeeded and failed generations never change again.
    public var isTerminal: Bool { self == .succeeded || self == .failed }
}

/// The artifact a ``Generator`` made.
public struct GenerationResult: Sendable, Equatable {
    public var contentType: String
    public var content: String

    public init(contentType: String, content: String) {
        self.contentType = contentType
        self.content = content
    }
}

public struct Generation: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var kind: GenerationKind
    public var prompt: String
    public var status: GenerationStatus
    public var creditCost: Int64
    public var result: GenerationResult?
    /// Why the generation failed, once it has.
    public var failureReason: String?
    /// How many times a worker has started it.
    public var attempts: Int
    /// Position in the owner's list, for cursor pagination.
    public var sequence: Int64
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    public init(
        id: String, userID: String, kind: GenerationKind, prompt: String, status: GenerationStatus, creditCost: Int64,
        result: GenerationResult? = nil, failureReason: String? = nil, attempts: Int = 0, sequence: Int64 = 0,
        createdAt: Date, updatedAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.prompt = prompt
        self.status = status
        self.creditCost = creditCost
        self.result = result
        self.failureReason = failureReason
        self.attempts = attempts
        self.sequence = sequence
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }
}

/// One page of a user's generations, newest first.
public struct GenerationPage: Sendable, Equatable {
    public var items: [Generation]
    /// Pass back to get the next page; nil on the last page.
    public var nextCursor: String?

    public init(items: [Generation], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
