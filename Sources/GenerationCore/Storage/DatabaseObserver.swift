/// What a storage implementation reports about its database use, so that pool saturation and slow queries are visible.
///
/// `operation` is one of a fixed set of names chosen by the storage (`claim_job`, `create_user`, …), never free text.
public protocol DatabaseObserver: Sendable {
    /// The pool's size, reported once when the storage opens.
    func poolOpened(maximumConnections: Int)
    /// A connection was taken after waiting `waitSeconds` for it.
    func connectionAcquired(waitSeconds: Double)
    /// The connection was given back after `heldSeconds`; `failed` when the operation threw.
    func connectionReleased(operation: String, heldSeconds: Double, failed: Bool)
}
