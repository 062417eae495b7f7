import Foundation
import Synchronization

/// The default provider: no network, deterministic answers chosen by the card token.
///
/// | card token                   | answer                                   |
/// |------------------------------|------------------------------------------|
/// | `tok_visa`, `tok_mastercard` | approved                                 |
/// | `tok_slow`                   | approved after ``slowAnswer`` (3 s): a slow provider |
/// | `tok_declined`               | declined: "card declined"                |
/// | `tok_insufficient_funds`     | declined: "insufficient funds"           |
/// | `tok_expired`                | declined: "card expired"                 |
/// | `tok_provider_error`         | provider failure (HTTP 502 to the client)|
/// | `tok_timeout`                | never answers and charges nothing (504; reconciled as failed) |
/// | `tok_timeout_charged`        | charges, then never answers (504; reconciled as approved: the answer was lost, not the money) |
/// | anything else                | declined: "unknown card token"           |
///
/// Charges are idempotent by reference, like a real provider's idempotency key, and ``lookup(reference:)`` answers from
/// the same record. The record lives in the process, unless a ledger file is given: then every charge is appended to it
/// (one JSON object per line, synced before the charge answers) and read back at start-up, so that the sandbox, like a
/// real provider, remembers charges across our restarts and crashes (`LOOKOUT_PAYMENT_SANDBOX_LEDGER`). Without one,
/// after a restart the sandbox has charged nothing, and a lookup says so (`notFound`).
public final class SandboxPaymentProvider: PaymentProvider {
    public static let approvedTokens: Set<String> = ["tok_visa", "tok_mastercard"]

    private let charges = Mutex<[String: ChargeResult]>([:])
    private let chargeCount = Atomic<Int>(0)
    private let ledger: FileHandle?
    /// How long `tok_slow` takes: past the latency objective's 1 s and the critical latency alert's 2.5 s, under the
    /// default provider timeout (10 s). Default: 3 s.
    public let slowAnswer: Duration

    public init(slowAnswer: Duration = .seconds(3)) {
        self.slowAnswer = slowAnswer
        ledger = nil
    }

    /// A sandbox that keeps its charges in the file at `ledgerPath` (created when missing).
    /// - Throws: ``LedgerError`` when the file cannot be created, read or written, or holds a line it did not write.
    public init(slowAnswer: Duration = .seconds(3), ledgerPath: String) throws(LedgerError) {
        self.slowAnswer = slowAnswer
        let manager = FileManager.default
        if !manager.fileExists(atPath: ledgerPath), !manager.createFile(atPath: ledgerPath, contents: nil) {
            throw LedgerError(path: ledgerPath, problem: "cannot be created")
        }
        guard let text = try? String(contentsOfFile: ledgerPath, encoding: .utf8), let handle = FileHandle(forWritingAtPath: ledgerPath) else {
            throw LedgerError(path: ledgerPath, problem: "cannot be read and written")
        }
        var loaded: [String: ChargeResult] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let entry = try? JSONDecoder().decode(LedgerEntry.self, from: Data(line.utf8)), let result = entry.result else {
                throw LedgerError(path: ledgerPath, problem: "line \(index + 1) is not a sandbox charge")
            }
            loaded[entry.reference] = result
        }
        _ = try? handle.seekToEnd()
        ledger = handle
        charges.withLock { $0 = loaded }
        chargeCount.store(loaded.count, ordering: .relaxed)
    }

    /// The sandbox's ledger file is unusable; the message names the file and what is wrong.
    public struct LedgerError: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "the sandbox payment ledger \(path) \(problem)" }
    }

    /// One line of the ledger.
    struct LedgerEntry: Codable {
        var reference: String
        var outcome: String
        var providerReference: String?
        var reason: String?

        init(reference: String, result: ChargeResult) {
            self.reference = reference
            switch result {
            case .approved(let providerReference): (outcome, self.providerReference) = ("approved", providerReference)
            case .declined(let reason): (outcome, self.reason) = ("declined", reason)
            }
        }

        var result: ChargeResult? {
            switch (outcome, providerReference, reason) {
            case ("approved", let providerReference?, _): .approved(providerReference: providerReference)
            case ("declined", _, let reason?): .declined(reason: reason)
            default: nil
            }
        }
    }

    /// How many distinct charges were made (approved or declined), for tests that prove "never charged twice".
    public var distinctCharges: Int { chargeCount.load(ordering: .relaxed) }

    public func charge(_ request: ChargeRequest) async throws -> ChargeResult {
        if let previous = charges.withLock({ $0[request.reference] }) { return previous }
        let result: ChargeResult
        switch request.cardToken {
        case _ where Self.approvedTokens.contains(request.cardToken):
            result = .approved(providerReference: "sandbox_ch_" + request.reference)
        case "tok_slow":
            try await Task.sleep(for: slowAnswer)
            result = .approved(providerReference: "sandbox_ch_" + request.reference)
        case "tok_declined": result = .declined(reason: "card declined")
        case "tok_insufficient_funds": result = .declined(reason: "insufficient funds")
        case "tok_expired": result = .declined(reason: "card expired")
        case "tok_provider_error": throw PaymentProviderError(reason: "sandbox provider error (tok_provider_error)")
        case "tok_timeout":
            try await Task.sleep(for: .seconds(3600))
            throw PaymentProviderError(reason: "sandbox provider did not answer")
        case "tok_timeout_charged":
            record(request.reference, .approved(providerReference: "sandbox_ch_" + request.reference))
            try await Task.sleep(for: .seconds(3600))
            throw PaymentProviderError(reason: "sandbox provider did not answer")
        default: result = .declined(reason: "unknown card token")
        }
        record(request.reference, result)
        return result
    }

    public func lookup(reference: String) async throws -> ChargeLookup {
        switch charges.withLock({ $0[reference] }) {
        case .approved(let providerReference)?: .approved(providerReference: providerReference)
        case .declined(let reason)?: .declined(reason: reason)
        case nil: .notFound
        }
    }

    private func record(_ reference: String, _ result: ChargeResult) {
        let isNew = charges.withLock { charges in
            guard charges[reference] == nil else { return false }
            charges[reference] = result
            if let ledger, let line = try? JSONEncoder().encode(LedgerEntry(reference: reference, result: result)) {
                // Written and synced before the charge answers: what the provider charged, it remembers.
                try? ledger.write(contentsOf: line + Data("\n".utf8))
                try? ledger.synchronize()
            }
            return true
        }
        if isNew { chargeCount.add(1, ordering: .relaxed) }
    }
}
