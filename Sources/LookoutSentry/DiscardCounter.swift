import Synchronization

/// Why an item was dropped before reaching Sentry, as client reports name the reasons
/// (develop.sentry.dev/sdk/telemetry/client-reports).
public enum DiscardReason: String, Sendable, CaseIterable {
    case queueOverflow = "queue_overflow"
    case cacheOverflow = "cache_overflow"
    case rateLimitBackoff = "ratelimit_backoff"
    case networkError = "network_error"
    case sampleRate = "sample_rate"
    case beforeSend = "before_send"
    case eventProcessor = "event_processor"
    case sendError = "send_error"
    /// The SDK could not read back what it had stored (a damaged spool file).
    case internalSDKError = "internal_sdk_error"
}

/// Counts dropped items by reason and category until they are reported, so that nothing disappears silently.
public final class DiscardCounter: Sendable {
    public struct Key: Hashable, Sendable {
        public var reason: DiscardReason
        /// `error`, `transaction`, …
        public var category: String

        public init(reason: DiscardReason, category: String) {
            self.reason = reason
            self.category = category
        }
    }

    private let counts = Mutex<[Key: Int]>([:])
    private let cumulative = Mutex<[Key: Int]>([:])

    public init() {}

    public func record(_ reason: DiscardReason, category: String, quantity: Int = 1) {
        guard quantity > 0 else { return }
        let key = Key(reason: reason, category: category)
        counts.withLock { $0[key, default: 0] += quantity }
        cumulative.withLock { $0[key, default: 0] += quantity }
    }

    /// Puts counts back after the report that carried them could not be delivered (not counted again in ``totals``).
    public func restore(_ drained: [Key: Int]) {
        counts.withLock { counts in
            for (key, quantity) in drained { counts[key, default: 0] += quantity }
        }
    }

    /// Every drop since start, never reset: what metrics export.
    public var totals: [Key: Int] { cumulative.withLock { $0 } }

    /// The counts so far, without resetting them.
    public var snapshot: [Key: Int] { counts.withLock { $0 } }

    /// Takes every count, resetting them: what a client report will carry.
    public func drain() -> [Key: Int] { counts.withLock { counts in defer { counts = [:] }; return counts } }
}
