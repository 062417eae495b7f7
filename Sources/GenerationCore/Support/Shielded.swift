/// Runs `operation` in a task of its own so that the caller's cancellation cannot interrupt it: recording a job's
/// outcome or a payment's settlement must finish even while the request or the worker is being torn down.
func shielded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}
