/// Produces the artifact of a generation. Implementations may be slow and may fail; the worker retries.
public protocol Generator: Sendable {
    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult
}

/// A generator failure. Transient ones are retried with backoff; permanent ones fail the generation at once.
public struct GeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var isPermanent: Bool

    public init(reason: String, isPermanent: Bool = false) {
        self.reason = reason
        self.isPermanent = isPermanent
    }

    public var description: String { reason }
}
