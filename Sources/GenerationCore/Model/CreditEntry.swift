import Foundation

/// One change of a user's balance in the append-only credit ledger: a user's balance is the sum of their entries.
public struct CreditEntry: Sendable, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        /// The balance a user had when the ledger began (the migration that added it).
        case openingBalance = "opening_balance"
        /// An approved payment; `reference` is the payment id.
        case purchase
        /// A generation's cost, taken when it was submitted; `reference` is the generation id.
        case generation
        /// A failed generation's cost, given back; `reference` is the generation id.
        case refund
    }

    public var seq: Int64
    public var userID: String
    /// Credits added (positive) or taken (negative).
    public var delta: Int64
    public var reason: Reason
    public var reference: String
    public var at: Date

    public init(seq: Int64, userID: String, delta: Int64, reason: Reason, reference: String, at: Date) {
        self.seq = seq
        self.userID = userID
        self.delta = delta
        self.reason = reason
        self.reference = reference
        self.at = at
    }
}
