import Foundation

/// Removes secrets and personal data from events before they leave the process. On by default.
///
/// - **Keys** (header, cookie, body field, tag, extra, context, breadcrumb or span data, at any depth): a key is secret
///   when its name, split into words (`-`, `_`, `.`, spaces and camelCase boundaries; lowercased), is exactly on the
///   denylist (`password`, `x_api_key`, `csrftoken`, `connect_sid`, …), ends with a secret word (`access_token`,
///   `client_secret`, `Proxy-Authorization`, `user_session`) or with a secret pair (`api_key`, `private_key`,
///   `session_id`). Its value becomes `[Filtered]`. Whole words only, so that what a bug report needs survives:
///   `max_tokens`, `prompt_tokens`, `token_count`, `author`, `session_count`, `idempotency_key`.
///   Client-address keys (`x_forwarded_for`, `ip_address`, …) are filtered unless PII sending is on.
/// - **Values**, wherever a string is: e-mail addresses become `[email]`, runs of 13–19 digits that pass the Luhn check
///   `[card]`, `Bearer` credentials and PEM private keys `[Filtered]`; in URLs the user-info and every query value become
///   `[Filtered]` and the fragment is cut. Span data whose key says it holds a URL, a query or a fragment (`url.*`,
///   `http.*`) is read as one even without a scheme; SQL string literals in `db.*` data and database span descriptions
///   become `'[Filtered]'`.
/// - **Request**: the URL loses its query and fragment; its path is scrubbed as text (an e-mail in a path).
/// - **User**: only `id` is kept unless PII sending is on.
public struct Scrubber: Sendable {
    public static let filtered = "[Filtered]"

    /// Keys filtered when their whole normalised name is one of these: sentry-python's `DEFAULT_DENYLIST` (itself
    /// Relay's password keys, Django's and WSGI's names and common session cookies) and a few more of the same kind.
    public static let defaultDenylist: [String] = [
        "password", "passwd", "secret", "api_key", "apikey", "auth", "credentials", "mysql_pwd", "privatekey", "private_key",
        "token", "session", "csrftoken", "sessionid", "x_csrftoken", "set_cookie", "cookie", "authorization", "x_api_key",
        "aiohttp_session", "connect.sid", "csrf_token", "csrf", "_csrf", "_csrf_token", "PHPSESSID", "_session", "symfony",
        "user_session", "_xsrf", "XSRF-TOKEN", "pwd", "passphrase", "pin", "cvv", "cvc", "iban", "jwt", "otp", "totp",
    ]

    /// Keys filtered unless PII sending is on: sentry-python's `DEFAULT_PII_DENYLIST` and the usual client-address headers.
    public static let defaultPIIDenylist: [String] = [
        "x_forwarded_for", "x_real_ip", "ip_address", "remote_addr", "forwarded", "cf_connecting_ip", "true_client_ip", "x_client_ip",
    ]

    /// A key whose **last** word is one of these is secret (`db_password`, `refresh_token`, `X-Auth-Token`,
    /// `webhook_signature`); the same word earlier in the key (`token_count`, `password_changed_at`) or inside a word
    /// (`max_tokens`, `author`) is not.
    public static let defaultSecretWords: [String] = [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "auth", "authorization", "credential", "credentials",
        "cookie", "csrf", "xsrf", "csrftoken", "apikey", "signature", "session", "sessionid", "privatekey",
    ]

    /// A key whose last two words are one of these pairs is secret (`stripe_api_key`, `X-Api-Key`, `sessionId`).
    public static let defaultSecretPairs: [String] = [
        "api_key", "private_key", "secret_key", "access_key", "signing_key", "encryption_key", "master_key", "auth_key",
        "session_id", "session_key", "card_number", "credit_card", "security_code",
    ]

    /// Exact keys (normalised as keys are) that are secret.
    public var denylist: [String] { didSet { exact = Self.normalisedSet(denylist) } }
    public var sendDefaultPII: Bool
    private var exact: Set<String>
    private let personal: Set<String>
    private let lastWords: Set<String>
    private let lastPairs: Set<String>

    public init(denylist: [String] = Scrubber.defaultDenylist, sendDefaultPII: Bool = false) {
        self.denylist = denylist
        self.sendDefaultPII = sendDefaultPII
        self.exact = Self.normalisedSet(denylist)
        self.personal = Self.normalisedSet(Self.defaultPIIDenylist)
        self.lastWords = Set(Self.defaultSecretWords)
        self.lastPairs = Self.normalisedSet(Self.defaultSecretPairs)
    }

    private static func normalisedSet(_ keys: [String]) -> Set<String> {
        Set(keys.map { words(of: $0).joined(separator: "_") }.filter { !$0.isEmpty })
    }

    /// The key's words, lowercased: split at `-`, `_`, `.`, `:`, `/`, spaces and where a lowercase letter or digit is
    /// followed by an uppercase one (`accessToken` → `access`, `token`; `PHPSESSID` stays one word).
    static func words(of key: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var previousWasLowerOrDigit = false
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "/"):
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)); current.removeAll(keepingCapacity: true) }
                previousWasLowerOrDigit = false
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                if previousWasLowerOrDigit, !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
                current.append(byte + 32)
                previousWasLowerOrDigit = false
            default:
                current.append(byte)
                previousWasLowerOrDigit = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// Whether the key names a secret (or, with PII sending off, a client address); see the type's description.
    public func isSecret(key: String) -> Bool {
        var words = Self.words(of: key)
        while let last = words.last, last.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            words.removeLast()  // `X-Hub-Signature-256` is a signature
        }
        guard let last = words.last else { return false }
        if lastWords.contains(last) { return true }
        let whole = words.joined(separator: "_")
        if exact.contains(whole) || (!sendDefaultPII && personal.contains(whole)) { return true }
        return words.count >= 2 && lastPairs.contains("\(words[words.count - 2])_\(last)")
    }

    // MARK: Values

    /// Masks personal data and credentials in free text (see the type's description).
    ///
    /// Hot: every string of every event passes here (on the transport's thread). One scan of the bytes tells which
    /// patterns could match at all (an e-mail needs `@`, a card 13 digits, a URL `://`, a bearer credential `rer `…);
    /// most strings are returned after it, and the regular expressions (compiled once) run only on the rest.
    public func scrub(text: String) -> String {
        let hints = Hints(text)
        guard hints.any else { return text }
        var result = text
        if hints.privateKey { result = Self.replace(Self.pemPattern, in: result, with: Self.filtered) }
        if hints.bearer { result = Self.replace(Self.bearerPattern, in: result, with: "$1 \(Self.filtered)") }
        if hints.url { result = Self.scrubURLs(in: result) }
        if hints.at { result = Self.replace(Self.emailPattern, in: result, with: "[email]") }
        if hints.digits >= 13 { result = Self.maskCards(in: result) }
        return result
    }

    /// What one pass over the bytes found.
    private struct Hints {
        var at = false, url = false, bearer = false, privateKey = false
        var digits = 0
        var any: Bool { at || url || bearer || privateKey || digits >= 13 }

        init(_ text: String) {
            var window: UInt32 = 0  // the last four bytes
            for byte in text.utf8 {
                window = window << 8 | UInt32(byte)
                switch byte {
                case UInt8(ascii: "@"): at = true
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
                case UInt8(ascii: "/") where window & 0xFF_FFFF == 0x3A_2F2F: url = true  // "://"
                case UInt8(ascii: " ") where window == 0x7265_7220 || window == 0x5245_5220: bearer = true  // "rer ", "RER "
                case UInt8(ascii: "-") where window & 0xFF_FFFF == 0x2D_2D2D: privateKey = true  // "---"
                default: break
                }
            }
        }
    }

    private static let emailPattern = try! NSRegularExpression(pattern: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#)
    /// ASCII digits only (`\d` would take other scripts' digits too), 13–19 of them, single spaces or dashes between.
    private static let cardPattern = try! NSRegularExpression(pattern: #"\b(?:[0-9][ -]?){12,18}[0-9]\b"#)
    /// An HTTP `Bearer` credential (RFC 6750's token68 alphabet), as Relay's `@bearer` rule; eight characters at least, so
    /// that "the bearer of" stays.
    private static let bearerPattern = try! NSRegularExpression(pattern: #"\b([Bb]earer|BEARER)\s+[A-Za-z0-9._~+/=-]{8,}"#)
    /// A PEM private key block, as Relay's `@pemkey` rule.
    private static let pemPattern = try! NSRegularExpression(
        pattern: #"-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END[A-Z ]*PRIVATE KEY-----|$)"#)
    /// An absolute URL: scheme, `://`, then up to the first character no URL holds unescaped.
    private static let urlPattern = try! NSRegularExpression(pattern: #"[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>`]+"#)

    /// Scrubs each absolute URL in the text as ``scrub(url:)`` does.
    private static func scrubURLs(in text: String) -> String {
        var result = text
        for match in urlPattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range, in: result) else { continue }
            result.replaceSubrange(range, with: scrub(url: String(result[range])))
        }
        return result
    }

    /// A URL (absolute or not) with its user-info and every query value replaced by `[Filtered]` and its fragment cut:
    /// `https://u:p@host/x?token=abc&page=2#f` → `https://[Filtered]:[Filtered]@host/x?token=[Filtered]&page=[Filtered]`.
    /// The query's names stay (they say what was asked), as sentry-python's `sanitize_url` keeps them.
    public static func scrub(url: String) -> String {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var head = String(rest)
        if let scheme = head.range(of: "://") {
            let authorityEnd = head[scheme.upperBound...].firstIndex(of: "/") ?? head.endIndex
            if let at = head[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
                let userInfo = head[scheme.upperBound..<at]
                head.replaceSubrange(scheme.upperBound..<at, with: userInfo.contains(":") ? "\(filtered):\(filtered)" : filtered)
            }
        }
        guard let query else { return head }
        return head + "?" + scrub(query: query)
    }

    /// A query string with every value replaced: `a=1&b` → `a=[Filtered]&b`.
    public static func scrub<S: StringProtocol>(query: S) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            return "\(pair[..<equals])=\(filtered)"
        }.joined(separator: "&")
    }

    /// SQL with its string literals (`'…'`, doubled quotes inside) replaced by `'[Filtered]'`: a statement's shape and
    /// its numbers stay, an e-mail or a password written into it does not.
    public static func scrub(sql: String) -> String {
        guard sql.contains("'") else { return sql }
        return replace(sqlStringPattern, in: sql, with: "'\(filtered)'")
    }

    private static let sqlStringPattern = try! NSRegularExpression(pattern: #"'(?:[^']|'')*'"#)

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

    /// How a span data value is read, by its key: OpenTelemetry's `url.*`/`http.*` names for URLs, queries and
    /// fragments, `db.*` for statements.
    enum ValueKind {
        case text, url, query, fragment, sql

        init(spanDataKey key: String) {
            switch key {
            case "url", "url.full", "url.original", "http.url", "http.target", "url.path": self = .url
            case "url.query", "http.query", "http.request.query": self = .query
            case "url.fragment", "http.fragment": self = .fragment
            default: self = key.hasPrefix("db.") ? .sql : .text
            }
        }
    }

    func scrub(_ value: JSONValue, as kind: ValueKind) -> JSONValue {
        guard case .string(let string) = value else { return scrub(value) }
        switch kind {
        case .text: return .string(scrub(text: string))
        case .url: return .string(scrub(text: Self.scrub(url: string)))
        case .query: return .string(scrub(text: Self.scrub(query: string.hasPrefix("?") ? string.dropFirst() : Substring(string))))
        case .fragment: return .string(string.isEmpty ? string : Self.filtered)
        case .sql: return .string(scrub(text: Self.scrub(sql: string)))
        }
    }

    // MARK: Structures

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

    /// Span data: keys as everywhere, values read by what their key says they hold (``ValueKind``).
    public func scrub(spanData members: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in members { result[key] = isSecret(key: key) ? .string(Self.filtered) : scrub(value, as: ValueKind(spanDataKey: key)) }
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
        breadcrumb.data = scrub(spanData: breadcrumb.data)
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
        event.transaction = event.transaction.map(scrub(text:))
        event.tags = scrub(tags: event.tags)
        event.extra = scrub(event.extra)
        event.contexts = scrub(event.contexts)
        event.breadcrumbs = event.breadcrumbs.map(scrub)
        event.request = event.request.map(scrub)
        event.user = scrub(user: event.user)
        return event
    }

    /// The transaction as it may leave the process: its name (a raw path until a route names it), span descriptions
    /// and data are scrubbed like everything else.
    public func scrub(_ transaction: SentryTransaction) -> SentryTransaction {
        var transaction = transaction
        transaction.name = scrub(text: transaction.name)
        transaction.root = scrub(transaction.root)
        transaction.spans = transaction.spans.map(scrub)
        transaction.tags = scrub(tags: transaction.tags)
        transaction.contexts = scrub(transaction.contexts)
        transaction.request = transaction.request.map(scrub)
        transaction.user = scrub(user: transaction.user)
        return transaction
    }

    /// A span: data by ``scrub(spanData:)``; the description as text, as SQL for a database span.
    public func scrub(_ span: SpanRecord) -> SpanRecord {
        var span = span
        let isDatabase = span.op == "db" || span.op.hasPrefix("db.")
        span.description = span.description.map { scrub(text: isDatabase ? Self.scrub(sql: $0) : $0) }
        span.data = scrub(spanData: span.data)
        return span
    }

    public func scrub(_ request: SentryRequest) -> SentryRequest {
        var request = request
        request.url = scrub(text: Self.stripQuery(request.url))
        request.headers = scrub(request.headers)
        request.data = request.data.map(scrub)
        return request
    }

    /// Tags are scrubbed as headers are: by key, then as text.
    func scrub(tags: [String: String]) -> [String: String] { scrub(tags) }

    /// Only the id unless PII sending is on.
    func scrub(user: [String: String]) -> [String: String] {
        sendDefaultPII ? user : user.filter { $0.key == "id" }
    }

    /// A URL without its query string and fragment, which may carry tokens.
    public static func stripQuery(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }
}
