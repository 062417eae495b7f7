import Foundation
@testable import LookoutSentry
import Testing

/// What must never leave the process, and what must: the scrubber is judged on both lists. Removing too little leaks
/// a secret; removing too much hides what a bug report needs (token counts, timestamps, ids), and teams then turn
/// scrubbing off.
@Suite struct ScrubberTests {
    let scrubber = Scrubber()

    // MARK: The corpus

    /// Keys whose values are secrets, as services, frameworks and proxies spell them.
    static let secretKeys = [
        "password", "Password", "user_password", "db-password", "newPassword", "passwd", "pwd", "mysql_pwd", "passphrase",
        "secret", "client_secret", "clientSecret", "token", "access_token", "accessToken", "refresh_token", "id_token",
        "X-Auth-Token", "XSRF-TOKEN", "x_csrf_token", "csrftoken", "_csrf", "api_key", "apiKey", "X-API-Key", "apikey",
        "stripe_api_key", "private_key", "privateKey", "aws_secret_access_key", "Authorization", "Proxy-Authorization",
        "auth", "basic_auth", "Cookie", "Set-Cookie", "session", "sessionid", "session_id", "sessionId", "PHPSESSID",
        "connect.sid", "user_session", "credentials", "aws_credentials", "webhook_signature", "X-Hub-Signature-256",
        "card_number", "cvv", "iban", "jwt",
    ]

    /// Keys a bug report needs, some of which hold a secret word as part of a word or not at the end.
    static let keptKeys = [
        "max_tokens", "prompt_tokens", "completion_tokens", "total_tokens", "token_count", "tokenCount", "token_type",
        "author", "author_id", "session_count", "sessionCount", "sessions", "password_changed_at", "password_strength",
        "secret_rotation_days", "idempotency_key", "Idempotency-Key", "cache_key", "primary_key", "keyboard", "tokenizer",
        "is_authenticated", "oauth_provider", "csrf_enabled", "user_id", "amount", "currency", "created_at", "duration_ms",
        "request_id", "trace_id", "http.route", "db.system", "Content-Type", "Accept", "User-Agent",
    ]

    /// Text holding a secret or personal data, and the part that must be gone.
    static let scrubbedTexts: [(text: String, secret: String)] = [
        ("login for ada@example.com failed", "ada@example.com"),
        ("charged 4242 4242 4242 4242 for 100 credits", "4242 4242 4242 4242"),
        ("amex 378282246310005", "378282246310005"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJhbGciOiJIUzI1NiJ9"),
        ("GET https://api.example.com/v1/items?api_key=sk_live_51Hx&page=2 failed", "sk_live_51Hx"),
        ("connecting to postgres://lookout:hunter22@db.internal:5432/lookout", "hunter22"),
        ("upload to https://bucket.s3.amazonaws.com/a.png?X-Amz-Expires=60&X-Amz-Signature=9f86d081884c7d65", "9f86d081884c7d65"),
        ("redirect to https://app.example.com/callback#access_token=tok_8c2e91", "tok_8c2e91"),
        ("key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\n-----END RSA PRIVATE KEY----- loaded", "MIIEowIBAAKCAQEA7x"),
    ]

    /// Text that must come out exactly as it went in.
    static let keptTexts = [
        "generation gen_01HZX7 failed after 3 attempts",
        "at 1764676800000 ms",
        "order 12345 for 3 items",
        "prompt used 1532 prompt_tokens and 412 completion tokens",
        "GET https://api.example.com/v1/items failed with 502",
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
        "job 123e4567-e89b-12d3-a456-426614174000 took 0.004512 s",
        "the bearer of bad news",
        "SELECT id, state FROM jobs WHERE run_at <= ? ORDER BY run_at LIMIT 1",
        "card 4111 1111 1111 1112 declined",
        "---- separator ----",
    ]

    @Test(arguments: secretKeys)
    func aSecretKeyIsFiltered(key: String) {
        #expect(scrubber.isSecret(key: key))
        #expect(scrubber.scrub([key: .string("value-\(key)")]) == [key: .string(Scrubber.filtered)])
    }

    @Test(arguments: keptKeys)
    func anOrdinaryKeyIsKept(key: String) {
        #expect(!scrubber.isSecret(key: key))
        #expect(scrubber.scrub([key: 42]) == [key: 42])
    }

    @Test(arguments: scrubbedTexts)
    func secretsInTextAreMasked(text: String, secret: String) {
        let scrubbed = scrubber.scrub(text: text)
        #expect(!scrubbed.contains(secret), "\(scrubbed)")
        #expect(scrubbed != text)
    }

    @Test(arguments: keptTexts)
    func ordinaryTextIsKept(text: String) {
        #expect(scrubber.scrub(text: text) == text)
    }

    /// The same corpus through the whole event, in every place a string can be: nothing from the secret list is in the
    /// serialised event, everything from the kept list is.
    @Test func theCorpusThroughAWholeEvent() throws {
        var extra: [String: JSONValue] = [:]
        for key in Self.secretKeys { extra[key] = .string("s3cr3t-\(key)") }
        for key in Self.keptKeys { extra[key] = .string("kept-\(key)") }
        for (index, sample) in Self.scrubbedTexts.enumerated() { extra["text_\(index)"] = .string(sample.text) }
        for (index, text) in Self.keptTexts.enumerated() { extra["plain_\(index)"] = .string(text) }
        let event = scrubber.scrub(SentryEvent(message: Self.scrubbedTexts[0].text, extra: ["nested": .object(extra)]))
        let json = String(decoding: try JSONSerialization.data(withJSONObject: event.json(sdk: .lookout, inApp: InAppRule()).foundationObject), as: UTF8.self)
        for key in Self.secretKeys { #expect(!json.contains("s3cr3t-\(key)"), "\(key)") }
        for key in Self.keptKeys { #expect(json.contains("kept-\(key)"), "\(key)") }
        for sample in Self.scrubbedTexts { #expect(!json.contains(sample.secret.jsonEscaped), "\(sample.secret)") }
        for text in Self.keptTexts { #expect(json.contains(text.jsonEscaped), "\(text)") }
    }

    // MARK: Where values are read by what they are

    /// Span data named by OpenTelemetry's conventions: URLs lose user-info and query values (names stay) even without a
    /// scheme, fragments go, SQL loses its string literals; other values are text.
    @Test func spanDataIsScrubbedByWhatItHolds() {
        let span = SpanRecord(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil, op: "http.client",
            description: "GET https://api.example.com/charge?card=4242424242424242&amount=100", start: Date(), end: Date(), status: .ok,
            data: [
                "url.full": "https://user:pa55@api.example.com/charge?amount=100&key=sk_live_9",
                "http.target": "/api/v1/users/ada@example.com?token=abc",
                "url.query": "token=abc&page=2",
                "http.query": "?signature=f00d",
                "http.fragment": "access_token=tok_1",
                "url.path": "/api/v1/generations/gen_1",
                "db.statement": "UPDATE users SET password_hash = 'pbkdf2$600000$c2FsdA' WHERE id = 4",
                "db.system": "sqlite",
                "http.request.method": "GET",
                "http.response.status_code": 200,
                "http.request.header.authorization": ["Bearer abcdefghijkl"],
            ]
        )
        let scrubbed = scrubber.scrub(span)
        #expect(scrubbed.description == "GET https://api.example.com/charge?card=[Filtered]&amount=[Filtered]")
        #expect(scrubbed.data["url.full"] == "https://[Filtered]:[Filtered]@api.example.com/charge?amount=[Filtered]&key=[Filtered]")
        #expect(scrubbed.data["http.target"] == "/api/v1/users/[email]?token=[Filtered]")
        #expect(scrubbed.data["url.query"] == "token=[Filtered]&page=[Filtered]")
        #expect(scrubbed.data["http.query"] == "signature=[Filtered]")
        #expect(scrubbed.data["http.fragment"] == .string(Scrubber.filtered))
        #expect(scrubbed.data["url.path"] == "/api/v1/generations/gen_1")
        #expect(scrubbed.data["db.statement"] == "UPDATE users SET password_hash = '[Filtered]' WHERE id = 4")
        #expect(scrubbed.data["db.system"] == "sqlite")
        #expect(scrubbed.data["http.request.method"] == "GET")
        #expect(scrubbed.data["http.response.status_code"] == 200)
        #expect(scrubbed.data["http.request.header.authorization"] == .string(Scrubber.filtered))
    }

    @Test func aDatabaseSpansDescriptionIsReadAsSQL() {
        let span = SpanRecord(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil, op: "db",
            description: "SELECT id FROM users WHERE email = 'o''brien@example.com' AND rounds > 10000", start: Date(), end: Date(),
            status: .ok, data: [:]
        )
        #expect(scrubber.scrub(span).description == "SELECT id FROM users WHERE email = '[Filtered]' AND rounds > 10000")
    }

    /// A request's path is text like any other (an address in `/users/ada@example.com`), and the transaction named
    /// after it before a route is known is too.
    @Test func requestPathsAndTransactionNamesAreScrubbed() {
        let request = SentryRequest(method: "GET", url: "https://api.example.com/api/v1/users/ada@example.com/sessions?token=abc#f")
        #expect(scrubber.scrub(request).url == "https://api.example.com/api/v1/users/[email]/sessions")

        let root = SpanRecord(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil, op: "http.server",
            description: nil, start: Date(), end: Date(), status: .ok, data: [:]
        )
        let transaction = scrubber.scrub(SentryTransaction(name: "GET /api/v1/users/ada@example.com", source: .url, root: root, spans: []))
        #expect(transaction.name == "GET /api/v1/users/[email]")
    }

    /// An http breadcrumb's data follows the span conventions (`url`, `http.query`).
    @Test func httpBreadcrumbsLoseQueryValues() {
        let crumb = scrubber.scrub(Breadcrumb(category: "http", type: "http", data: ["url": "https://psp.example.com/v1/charges?key=sk_9", "method": "POST"]))
        #expect(crumb.data["url"] == "https://psp.example.com/v1/charges?key=[Filtered]")
        #expect(crumb.data["method"] == "POST")
    }

    /// Client addresses are personal data: gone by default, kept when the operator sends PII.
    @Test func clientAddressesAreFilteredUnlessPIIIsSent() {
        let headers = ["X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Accept": "*/*"]
        #expect(scrubber.scrub(headers) == ["X-Forwarded-For": Scrubber.filtered, "X-Real-IP": Scrubber.filtered, "Accept": "*/*"])
        #expect(Scrubber(sendDefaultPII: true).scrub(headers) == headers)
        #expect(Scrubber(sendDefaultPII: true).scrub(["Authorization": "Basic dTpw"]) == ["Authorization": Scrubber.filtered], "secrets are not PII")
    }

    // MARK: Earlier behaviour, unchanged

    @Test func secretKeysAreFilteredAtAnyDepth() {
        let data: [String: JSONValue] = [
            "password": "hunter22", "Api-Key": "k", "nested": ["Authorization": "Bearer x", "fine": "ok", "list": [["session_id": "s"]]],
            "amount": 12,
        ]
        let scrubbed = scrubber.scrub(data)
        #expect(scrubbed["password"] == .string(Scrubber.filtered))
        #expect(scrubbed["Api-Key"] == .string(Scrubber.filtered))
        #expect(scrubbed["nested"] == ["Authorization": .string(Scrubber.filtered), "fine": "ok", "list": [["session_id": .string(Scrubber.filtered)]]])
        #expect(scrubbed["amount"] == 12)
    }

    @Test func emailsAndCardNumbersAreMaskedInText() {
        #expect(scrubber.scrub(text: "payment by ada@example.com with 4242 4242 4242 4242 failed") == "payment by [email] with [card] failed")
        #expect(scrubber.scrub(text: "card 4000-0566-5566-5556 declined") == "card [card] declined")
        #expect(scrubber.scrub(text: "amex 378282246310005 and visa 4111111111111111") == "amex [card] and visa [card]")
        #expect(scrubber.scrub(text: "order 5500 0000 0000 0004 ok") == "order [card] ok")
    }

    @Test func eventsLoseSecretsUserPIIAndQueryStrings() {
        var event = SentryEvent(
            message: "login failed for ada@example.com", exceptions: [SentryException(type: "AuthError", value: "bad password for bob@example.org")],
            tags: ["route": "/api/v1/sessions", "session": "abc"], extra: ["token": "t0k3n"],
            user: ["id": "usr_1", "email": "ada@example.com", "ip_address": "10.1.2.3"],
            request: SentryRequest(method: "POST", url: "https://api.example.com/api/v1/sessions?token=abc#frag", headers: ["Cookie": "sid=1", "Accept": "application/json"], data: ["email": "ada@example.com", "password": "correct horse"]),
            breadcrumbs: [Breadcrumb(message: "user ada@example.com registered", data: ["api_key": "k"])]
        )
        event = scrubber.scrub(event)
        #expect(event.message == "login failed for [email]")
        #expect(event.exceptions.first?.value == "bad password for [email]")
        #expect(event.tags["session"] == Scrubber.filtered)
        #expect(event.tags["route"] == "/api/v1/sessions")
        #expect(event.extra["token"] == .string(Scrubber.filtered))
        #expect(event.user == ["id": "usr_1"])
        #expect(event.request?.url == "https://api.example.com/api/v1/sessions")
        #expect(event.request?.headers == ["Cookie": Scrubber.filtered, "Accept": "application/json"])
        #expect(event.request?.data == ["email": "[email]", "password": .string(Scrubber.filtered)])
        #expect(event.breadcrumbs.first?.message == "user [email] registered")
        #expect(event.breadcrumbs.first?.data["api_key"] == .string(Scrubber.filtered))
    }

    @Test func piiStaysWhenTheOperatorAsksForIt() {
        let event = Scrubber(sendDefaultPII: true).scrub(SentryEvent(user: ["id": "u", "email": "a@b.co", "ip_address": "10.0.0.1"]))
        #expect(event.user == ["id": "u", "email": "a@b.co", "ip_address": "10.0.0.1"])
    }
}

extension String {
    /// As JSONSerialization writes it inside a string (the corpus holds newlines and slashes).
    fileprivate var jsonEscaped: String {
        let data = try! JSONSerialization.data(withJSONObject: [self], options: [.fragmentsAllowed])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst(2).dropLast(2))
    }
}
