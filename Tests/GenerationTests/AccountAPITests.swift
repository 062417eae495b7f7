import Foundation
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AccountAPITests {
    @Test func registerNormalisesTheEmailAndStartsWithZeroCredits() async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.post, "/api/v1/users", json: #"{"email":"  Ada@Example.COM ","password":"correct horse"}"#)
            #expect(reply.status == .accepted)
            #expect(reply["email"] as? String == "ada@example.com")
            #expect(reply.json["password"] == nil && reply.json["password_hash"] == nil)
            let login = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"ada@example.com","password":"correct horse"}"#)
            let me = try await client.send(.get, "/api/v1/me", token: try #require(login["token"] as? String))
            #expect(me["credits"] as? Int == 0)
            #expect((me["id"] as? String)?.hasPrefix("usr_") == true)
        }
    }

    /// Registration does not tell whether an address has an account (issue #16): the answer is the same, byte for
    /// byte, the existing account keeps its password, and the owner is the one told (the observer's hook).
    @Test func registeringAnExistingAddressAnswersTheSameAndChangesNothing() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let first = try await client.send(.post, "/api/v1/users", json: #"{"email":"bob@example.com","password":"correct horse"}"#)
            let again = try await client.send(.post, "/api/v1/users", json: #"{"email":"BOB@example.com","password":"another one"}"#)
            let stranger = try await client.send(.post, "/api/v1/users", json: #"{"email":"carol@example.com","password":"another one"}"#)
            #expect(first.status == .accepted && again.status == .accepted && stranger.status == .accepted)
            #expect(first.text == again.text, "identical answers")
            #expect(first.text.replacingOccurrences(of: "bob@", with: "carol@") == stranger.text)
            #expect(try await client.send(.post, "/api/v1/sessions", json: #"{"email":"bob@example.com","password":"correct horse"}"#).status == .created)
            #expect(try await client.send(.post, "/api/v1/sessions", json: #"{"email":"bob@example.com","password":"another one"}"#).status == .unauthorized)
        }
        let told = ExistingAccountRecorder()
        let accounts = AccountService(store: harness.storage, hasher: PasswordHasher(), observer: told)
        _ = try await accounts.register(email: "bob@example.com", password: "yet another one")
        let bob = try #require(try await harness.storage.credentials(email: "bob@example.com"))
        #expect(told.userIDs == [bob.user.id])
    }

    @Test(arguments: [
        (#"{"email":"a@example.com","password":"short"}"#, "password must be at least 8"),
        (#"{"email":"not-an-email","password":"long enough"}"#, "email must be an address"),
        (#"{"email":"a@localhost","password":"long enough"}"#, "email must be an address"),
    ])
    func invalidRegistrationsAreRejectedWithAReason(body: String, reason: String) async throws {
        try await TestHarness().withClient { client in
            let reply = try await client.send(.post, "/api/v1/users", json: body)
            #expect(reply.status == .unprocessableContent)
            #expect((reply["detail"] as? String)?.contains(reason) == true, "\(reply.text)")
        }
    }

    @Test func passwordsAreStoredAsSlowSaltedHashes() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            try await client.send(.post, "/api/v1/users", json: #"{"email":"c@example.com","password":"correct horse"}"#)
            try await client.send(.post, "/api/v1/users", json: #"{"email":"d@example.com","password":"correct horse"}"#)
        }
        let c = try #require(try await harness.storage.credentials(email: "c@example.com"))
        let d = try #require(try await harness.storage.credentials(email: "d@example.com"))
        #expect(c.passwordHash.hasPrefix("pbkdf2-sha256$210000$"))
        #expect(!c.passwordHash.contains("correct horse"))
        #expect(c.passwordHash != d.passwordHash, "the same password must hash differently (salt)")
    }

    @Test func loginReturnsABearerTokenThatUnlocksMe() async throws {
        try await TestHarness().withClient { client in
            try await client.send(.post, "/api/v1/users", json: #"{"email":"e@example.com","password":"correct horse"}"#)
            let login = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"E@example.com","password":"correct horse"}"#)
            #expect(login.status == .created)
            #expect(login["token_type"] as? String == "Bearer")
            let token = try #require(login["token"] as? String)
            let secret = try #require(token.split(separator: ".").last)
            #expect(secret.count >= 43, "the secret half carries at least 32 random bytes")
            let me = try await client.send(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me["email"] as? String == "e@example.com")
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        try await TestHarness().withClient { client in
            try await client.send(.post, "/api/v1/users", json: #"{"email":"f@example.com","password":"correct horse"}"#)
            let wrong = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"f@example.com","password":"wrong horse"}"#)
            let unknown = try await client.send(.post, "/api/v1/sessions", json: #"{"email":"nobody@example.com","password":"wrong horse"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong["detail"] as? String == unknown["detail"] as? String)
        }
    }

    @Test func theBearerSchemeIsCaseInsensitiveAndBlanksAroundTheTokenAreIgnored() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            for header in ["bearer \(token)", "BEARER  \(token)", "Bearer \t\(token) "] {
                let reply = try await client.send(.get, "/api/v1/me", headers: [.authorization: header])
                #expect(reply.status == .ok, "\(header)")
            }
            for header in ["Basic \(token)", "Bearer", "Bearer ", "Bearerx \(token)", "\(token)"] {
                let reply = try await client.send(.get, "/api/v1/me", headers: [.authorization: header])
                #expect(reply.status == .unauthorized, "\(header)")
            }
        }
    }

    @Test func missingMalformedOrTamperedTokensAreUnauthorized() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            var tampered = Array(token)
            tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
            for candidate in [nil, "garbage", "abc.def", String(tampered)] {
                let reply = try await client.send(.get, "/api/v1/me", token: candidate)
                #expect(reply.status == .unauthorized, "token \(candidate ?? "nil")")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
        }
    }
}

/// Bearer tokens are decoded by hand on every authenticated request; the decoder must agree with Foundation's.
@Suite struct Base64URLTests {
    @Test func everyLengthRoundTripsAndAgreesWithFoundation() {
        for length in 0...40 {
            let bytes = SecureBytes.random(count: length)
            let text = SecureBytes.base64URL(bytes)
            #expect(SecureBytes.decodeBase64URL(text) == bytes, "length \(length): \(text)")
            var padded = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while padded.count % 4 != 0 { padded += "=" }
            #expect(Data(base64Encoded: padded).map(Array.init) == bytes)
        }
    }

    @Test(arguments: ["ab+c", "ab/c", "abc=", "a", "abcde", "ab c", "é"])
    func textThatIsNotUnpaddedBase64URLIsRefused(_ text: String) {
        #expect(SecureBytes.decodeBase64URL(text) == nil)
    }
}

final class ExistingAccountRecorder: ServiceObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var userIDs: [String] { lock.withLock { recorded } }
    func registrationForExistingAccount(userID: String) { lock.withLock { recorded.append(userID) } }
}
