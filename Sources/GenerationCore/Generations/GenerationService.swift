import BoundedCache
import Foundation
import Instrumentation
import Tracing

/// Submits generations (debit, insert and enqueue in one transaction) and reads them back.
public struct GenerationService: Sendable {
    public struct Configuration: Sendable {
        /// Longest prompt accepted, in characters (grapheme clusters, what a user counts). Default: 2000.
        public var maximumPromptLength = 2000
        /// Longest prompt accepted, in UTF-8 bytes: one character can hold any number of combining marks, so a
        /// character limit alone bounds nothing. Default: 8000 (four bytes for each of 2000 characters).
        public var maximumPromptBytes = 8000
        /// Attempts a job gets before it is dead-lettered. Default: 3.
        public var maxAttempts = 3
        /// Largest page size for listings. Default: 100.
        public var maximumPageSize = 100
        /// Page size when none is asked for. Default: 20.
        public var defaultPageSize = 20
        /// Finished generations cached in memory (they never change). Default: 10 000.
        public var cacheCapacity = 10_000
        /// How long a finished generation stays cached. Default: 5 minutes.
        public var cacheTTL: Duration = .seconds(300)
        /// Bytes of prompts and results the cache holds at most. Default: 64 MiB.
        public var cacheMaxBytes = 64 << 20

        public init() {}
    }

    private let store: any GenerationStore
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let observer: any ServiceObserver
    /// Finished generations by id: the hot read of clients polling for their result.
    public let finishedCache: BoundedCache<String, Generation, ContinuousClock>

    public init(
        store: any GenerationStore, configuration: Configuration = .init(), observer: any ServiceObserver = NoServiceObserver(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.observer = observer
        self.configuration = configuration
        self.now = now
        self.finishedCache = BoundedCache(
            capacity: configuration.cacheCapacity, timeToLive: configuration.cacheTTL, maxTotalCost: configuration.cacheMaxBytes,
            cost: { 256 + $0.prompt.utf8.count + ($0.result?.content.utf8.count ?? 0) + ($0.failureReason?.utf8.count ?? 0) }
        )
    }

    /// A submission and whether this call made it (false: a replay of an earlier one with the same Idempotency-Key).
    public struct Submission: Sendable {
        public var generation: Generation
        public var created: Bool
    }

    /// Debits and enqueues a generation. With an `idempotencyKey`, a retry of the same request returns the first
    /// submission (nothing debited twice); the same key with another prompt or kind is refused.
    public func submit(
        userID: String, prompt: String, kind rawKind: String, idempotencyKey: String? = nil, traceHeaders: [String: String] = [:]
    ) async throws -> Submission {
        let kind = GenerationKind(rawValue: rawKind)
        do {
            let submission = try await validatedSubmit(
                userID: userID, prompt: prompt, kind: kind, idempotencyKey: idempotencyKey, traceHeaders: traceHeaders
            )
            if submission.created {
                observer.generationSubmitted(kind: kind, outcome: .accepted, creditCost: submission.generation.creditCost)
            }
            return submission
        } catch let error as ServiceError {
            let outcome: SubmissionOutcome = error.code == .insufficientCredits ? .insufficientCredits : .invalid
            observer.generationSubmitted(kind: kind, outcome: outcome, creditCost: 0)
            throw error
        }
    }

    /// 1 to ``Configuration/maximumPromptLength`` characters and ``Configuration/maximumPromptBytes`` bytes, not
    /// blank, no control characters but tab and line breaks (a NUL would cut the prompt short in storage).
    func validate(prompt: String) throws {
        // The byte limit first: counting characters of a huge string is the expensive part.
        guard prompt.utf8.count <= configuration.maximumPromptBytes, prompt.count <= configuration.maximumPromptLength,
            !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw ServiceError(
                .validationFailed,
                "prompt must be 1 to \(configuration.maximumPromptLength) characters (\(configuration.maximumPromptBytes) bytes of UTF-8) and not blank"
            )
        }
        if let control = prompt.unicodeScalars.first(where: { ($0.value < 0x20 && !["\t", "\n", "\r"].contains($0)) || $0.value == 0x7F }) {
            throw ServiceError(
                .validationFailed, "prompt must not contain control characters (found U+\(String(format: "%04X", control.value)))"
            )
        }
    }

    private func validatedSubmit(
        userID: String, prompt: String, kind: GenerationKind?, idempotencyKey: String?, traceHeaders: [String: String]
    ) async throws -> Submission {
        guard let kind else {
            let allowed = GenerationKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ServiceError(.validationFailed, "kind must be one of \(allowed)")
        }
        try validate(prompt: prompt)
        let idempotency = try idempotencyKey.map { key in
            GenerationIdempotency(
                key: try IdempotencyKey.validated(key), fingerprint: SecureBytes.hex(SecureBytes.sha256(Array("\(kind.rawValue)|\(prompt)".utf8)))
            )
        }
        let timestamp = now()
        let generation = Generation(
            id: Identifier.make(prefix: "gen"), userID: userID, kind: kind, prompt: prompt, status: .queued,
            creditCost: kind.creditCost, createdAt: timestamp, updatedAt: timestamp
        )
        // Enqueueing is a publish: the job carries this span's trace headers, so that its processing continues the trace.
        return try await withSpan("generation_queue", ofKind: .producer) { span in
            // The attributes Sentry's Queues view reads; the message is the generation (one job each).
            span.attributes["messaging.operation.type"] = "publish"
            span.attributes["messaging.destination.name"] = "generation_queue"
            span.attributes["messaging.message.id"] = generation.id
            span.attributes["messaging.message.body.size"] = prompt.utf8.count
            var headers = traceHeaders
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: DictionaryInjector())
            let stored = try await store.submitGeneration(
                generation, maxAttempts: configuration.maxAttempts, traceHeaders: headers, idempotency: idempotency, now: timestamp
            )
            return Submission(generation: stored.generation, created: stored.created)
        }
    }

    /// The caller's generation; 404 for an unknown id and for someone else's (no existence oracle).
    public func generation(id: String, userID: String) async throws -> Generation {
        let cached = withSpan("finished_generations", ofKind: .internal) { span in
            let value = finishedCache.value(forKey: id)
            span.attributes["cache.hit"] = value != nil
            span.attributes["cache.key"] = ["finished_generations:\(id)"]  // as Sentry's Caches view reads it
            return value
        }
        if let cached, cached.userID == userID { return cached }
        guard let generation = try await store.generation(id: id, userID: userID) else {
            throw ServiceError(.notFound, "no generation \(id) for this user")
        }
        if generation.status.isTerminal { finishedCache.setValue(generation, forKey: id) }
        return generation
    }

    /// A page of the caller's generations, newest first. `cursor` is the `next_cursor` of the previous page.
    public func list(userID: String, status rawStatus: String?, limit: Int?, cursor: String?) async throws -> GenerationPage {
        var status: GenerationStatus?
        if let rawStatus {
            guard let parsed = GenerationStatus(rawValue: rawStatus) else {
                let allowed = GenerationStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw ServiceError(.validationFailed, "status must be one of \(allowed)")
            }
            status = parsed
        }
        let limit = limit ?? configuration.defaultPageSize
        guard (1...configuration.maximumPageSize).contains(limit) else {
            throw ServiceError(.validationFailed, "limit must be between 1 and \(configuration.maximumPageSize)")
        }
        var before: Int64?
        if let cursor {
            guard let bytes = SecureBytes.decodeBase64URL(cursor), let text = String(bytes: bytes, encoding: .utf8),
                text.hasPrefix("g:"), let sequence = Int64(text.dropFirst(2))
            else { throw ServiceError(.validationFailed, "cursor is not one this API returned") }
            before = sequence
        }
        let rows = try await store.generations(userID: userID, status: status, limit: limit + 1, before: before)
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { SecureBytes.base64URL(Array("g:\($0.sequence)".utf8)) } : nil
        return GenerationPage(items: items, nextCursor: next)
    }
}
