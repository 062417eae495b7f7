import Foundation

/// Removes secrets and personal data from events before they leave the process. On by default.
///
/// - Keys: any key (header, cookie, body field, extra, context, breadcrumb or span data, at any depth) whose name,
///   lowercased with `-` read as `_`, contains a denylisted word has its value replaced by `[Filtered]`. The list covers
///   sentry-python's default denylist (password, secret, token, api_key, authorization, cookie, session, csrf, …).
/// - Text: e-mail addresses become `[email]` and runs of 13–19 digits that pass the Luhn check become `[card]`, in messages,
///   exception values, breadcrumb messages and every string value.
/// - User: only `id` is kept unless PII sending is on; `ip_address` is always dropped unless PII sending is on.
public struct Scrubber: Sendable {
    public static let filtered = "[Filtered]"

    /// Words that mark a key as secret (matched as substrings of the normalised key).
    public static let defaultDenylist: [String] = [
        "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "auth", "credential", "private_key",
        "privatekey", "cookie", "session", "csrf", "xsrf", "x_forwarded_for", "card", "cvv", "iban",
    ]

    public var denylist: [String] {
        didSet { words = Self.normalised(denylist) }
    }
    public var sendDefaultPII: Bool
    /// The denylist as lowercase bytes with `-` read as `_`: keys are matched byte by byte (hot: every key of every event).
    private var words: [[UInt8]]

    public init(denylist: [String] = Scrubber.defaultDenylist, sendDefaultPII: Bool = false) {
        self.denylist = denylist
        self.sendDefaultPII = sendDefaultPII
        self.words = Self.normalised(denylist)
    }

    private static func normalised(_ list: [String]) -> [[UInt8]] {
        list.map { word in word.utf8.map(normalise) }.filter { !$0.isEmpty }
    }

    private static func normalise(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
        case UInt8(ascii: "-"): UInt8(ascii: "_")
        default: byte
        }
    }

    /// Whether the key's name, lowercased with `-` read as `_`, contains a denylisted word.
    public func isSecret(key: String) -> Bool {
        if let found = key.utf8.withContiguousStorageIfAvailable({ contains($0) }) { return found }
        return Array(key.utf8).withUnsafeBufferPointer { contains($0) }
    }

    private func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        for word in words where word.count <= key.count {
            var start = 0
            while start + word.count <= key.count {
                var index = 0
                while index < word.count, Self.normalise(key[start + index]) == word[index] { index += 1 }
                if index == word.count { return true }
                start += 1
            }
        }
        return false
    }

    /// Masks e-mail addresses and card-like digit runs in free text.
    ///
    /// Hot: every string of every event passes here. A string with no `@` cannot hold an address and one with fewer
    /// than 13 digits cannot hold a card number, so most strings are returned after one scan of their bytes; the
    /// regular expressions (compiled once) run only on the rest.
    public func scrub(text: String) -> String {
        var hasAt = false
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "@") { hasAt = true } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 }
        }
        guard hasAt || digits >= 13 else { return text }
        var result = text
        if hasAt { result = Self.replace(Self.emailPattern, in: result, with: "[email]") }
        if digits >= 13 { result = Self.maskCards(in: result) }
        return result
    }

    private static let emailPattern = try! NSRegularExpression(pattern: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#)
    /// ASCII digits only (`\d` would take other scripts' digits too), 13–19 of them, single spaces or dashes between.
    private static let cardPattern = try! NSRegularExpression(pattern: #"\b(?:[0-9][ -]?){12,18}[0-9]\b"#)

    /// Replaces the card-like runs whose digits pass the Luhn check, as every card number does: a 13-digit timestamp
    /// or an order number usually does not, and stays readable.
    private static func maskCards(in text: String) -> String {
        var result = text
        // From the last match back, so that each replacement leaves the earlier matches' offsets as they were.
        for match in cardPattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range, in: result) else { continue }
            if passesLuhn(result[range].compactMap(\.wholeNumberValue)) { result.replaceSubrange(range, with: "[card]") }
        }
        return result
    }

    /// The Luhn checksum: every second digit from the right doubled (less 9 when over 9), the sum a multiple of 10.
    static func passesLuhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            let value = position % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0
    }

    static func replace(_ pattern: NSRegularExpression, in text: String, with template: String) -> String {
        // NSRegularExpression is immutable once made and documented as safe to use from several threads.
        pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }

    public func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): .string(scrub(text: string))
        case .array(let values): .array(values.map(scrub))
        case .object(let members): .object(scrub(members))
        default: value
        }
    }

    public func scrub(_ members: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in members { result[key] = isSecret(key: key) ? .string(Self.filtered) : scrub(value) }
        return result
    }

    public func scrub(_ headers: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in headers { result[key] = isSecret(key: key) ? Self.filtered : scrub(text: value) }
        return result
    }

    public func scrub(_ breadcrumb: Breadcrumb) -> Breadcrumb {
        var breadcrumb = breadcrumb
        breadcrumb.message = breadcrumb.message.map(scrub(text:))
        breadcrumb.data = scrub(breadcrumb.data)
        return breadcrumb
    }

    /// The event as it may leave the process.
    public func scrub(_ event: SentryEvent) -> SentryEvent {
        var event = event
        event.message = event.message.map(scrub(text:))
        event.exceptions = event.exceptions.map { exception in
            var exception = exception
            exception.value = scrub(text: exception.value)
            return exception
        }
        event.tags = scrub(tags: event.tags)
        event.extra = scrub(event.extra)
        event.contexts = scrub(event.contexts)
        event.breadcrumbs = event.breadcrumbs.map(scrub)
        event.request = event.request.map(scrub)
        event.user = scrub(user: event.user)
        return event
    }

    /// The transaction as it may leave the process: span descriptions and data are scrubbed like everything else.
    public func scrub(_ transaction: SentryTransaction) -> SentryTransaction {
        var transaction = transaction
        transaction.root = scrub(transaction.root)
        transaction.spans = transaction.spans.map(scrub)
        transaction.tags = scrub(tags: transaction.tags)
        transaction.contexts = scrub(transaction.contexts)
        transaction.request = transaction.request.map(scrub)
        transaction.user = scrub(user: transaction.user)
        return transaction
    }

    public func scrub(_ span: SpanRecord) -> SpanRecord {
        var span = span
        span.description = span.description.map(scrub(text:))
        span.data = scrub(span.data)
        return span
    }

    public func scrub(_ request: SentryRequest) -> SentryRequest {
        var request = request
        request.url = Self.stripQuery(request.url)
        request.headers = scrub(request.headers)
        request.data = request.data.map(scrub)
        return request
    }

    func scrub(tags: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in tags { result[key] = isSecret(key: key) ? Self.filtered : scrub(text: value) }
        return result
    }

    /// Only the id unless PII sending is on.
    func scrub(user: [String: String]) -> [String: String] {
        sendDefaultPII ? user : user.filter { $0.key == "id" }
    }

    /// A URL without its query string and fragment, which may carry tokens.
    public static func stripQuery(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }
}
