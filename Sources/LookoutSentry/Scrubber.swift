import Foundation

/// Removes secrets and personal data from events before they leave the process. On by default.
///
/// - Keys: any key (header, cookie, body field, extra, context, breadcrumb or span data, at any depth) whose name,
///   lowercased with `-` read as `_`, contains a denylisted word has its value replaced by `[Filtered]`. The list covers
///   sentry-python's default denylist (password, secret, token, api_key, authorization, cookie, session, csrf, …).
/// - Text: e-mail addresses become `[email]` and card-number-like runs of 13–19 digits become `[card]`, in messages,
///   exception values, breadcrumb messages and every string value.
/// - User: only `id` is kept unless PII sending is on; `ip_address` is always dropped unless PII sending is on.
public struct Scrubber: Sendable {
    public static let filtered = "[Filtered]"

    /// Words that mark a key as secret (matched as substrings of the normalised key).
    public static let defaultDenylist: [String] = [
        "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "auth", "credential", "private_key",
        "privatekey", "cookie", "session", "csrf", "xsrf", "x_forwarded_for", "card", "cvv", "iban",
    ]

    public var denylist: [String]
    public var sendDefaultPII: Bool

    public init(denylist: [String] = Scrubber.defaultDenylist, sendDefaultPII: Bool = false) {
        self.denylist = denylist.map { $0.lowercased() }
        self.sendDefaultPII = sendDefaultPII
    }

    public func isSecret(key: String) -> Bool {
        let normalised = key.lowercased().replacingOccurrences(of: "-", with: "_")
        return denylist.contains { normalised.contains($0) }
    }

    /// Masks e-mail addresses and card-like digit runs in free text.
    public func scrub(text: String) -> String {
        var result = text
        result = result.replacingOccurrences(of: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#, with: "[email]", options: .regularExpression)
        result = result.replacingOccurrences(of: #"\b(?:\d[ -]?){12,18}\d\b"#, with: "[card]", options: .regularExpression)
        return result
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
