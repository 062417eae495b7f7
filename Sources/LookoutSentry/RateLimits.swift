import Foundation

/// Per-category rate limits announced by Sentry, kept until they expire
/// (develop.sentry.dev/sdk/expected-features/rate-limiting).
///
/// Read from every response: `X-Sentry-Rate-Limits` (`seconds:categories:scope[:reason[:namespaces]]`, comma-separated,
/// seconds may be a float, no categories meaning all of them); otherwise, on a 429, `Retry-After` (seconds); otherwise,
/// on a 429, 60 seconds for everything. The longest limit per category wins. A limit is at most ``longest`` (a day): a
/// hostile or broken header (`1e30`) neither traps nor silences the client for ever. Pure: the caller passes the time.
public struct RateLimits: Sendable, Equatable {
    /// The longest limit kept, whatever a header says: a day.
    public static let longest: Double = 86_400

    /// Category → the instant its limit ends. The empty category stands for all of them.
    public private(set) var limits: [String: ContinuousClock.Instant] = [:]

    public init() {}

    /// Reads a response's headers.
    public mutating func update(status: Int, rateLimits: String?, retryAfter: String?, now: ContinuousClock.Instant) {
        if let rateLimits, !rateLimits.trimmingCharacters(in: .whitespaces).isEmpty {
            for limit in rateLimits.split(separator: ",") {
                let fields = limit.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
                guard let seconds = fields.first.flatMap({ Self.seconds($0) }) else { continue }
                let categories = fields.count > 1 ? fields[1].split(separator: ";").map { String($0) } : []
                for category in categories.isEmpty ? [""] : categories {
                    extend(category, until: now.advanced(by: .seconds(seconds)))
                }
            }
        } else if status == 429 {
            let seconds = retryAfter.flatMap { Self.seconds($0.trimmingCharacters(in: .whitespaces)) } ?? 60
            extend("", until: now.advanced(by: .seconds(seconds)))
        }
    }

    /// Whether items of `category` must be held back now. A limit on every category covers client reports (`internal`)
    /// too; the transport keeps their counts until it ends rather than dropping them.
    public func isLimited(_ category: String, now: ContinuousClock.Instant) -> Bool {
        if let until = limits[category], until > now { return true }
        if let until = limits[""], until > now { return true }
        return false
    }

    /// A header's seconds: a finite, non-negative number, clamped to ``longest``; nil otherwise.
    private static func seconds(_ text: some StringProtocol) -> Double? {
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return min(value, longest)
    }

    private mutating func extend(_ category: String, until: ContinuousClock.Instant) {
        if let current = limits[category], current >= until { return }
        limits[category] = until
    }
}
