import LookoutBacktrace

/// Produces the artifact of a generation. Implementations may be slow and may fail; the worker retries.
public protocol Generator: Sendable {
    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult
}

/// A generator failure. Transient ones are retried with backoff; permanent ones fail the generation at once.
public struct GeneratorError: Error, BacktraceCarrying, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var isPermanent: Bool
    /// Where the error was made, for error reports (a few microseconds; not part of equality).
    public var backtrace = CapturedBacktrace.here()

    public init(reason: String, isPermanent: Bool = false) {
        self.reason = reason
        self.isPermanent = isPermanent
    }

    public var description: String { reason }
}
