import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GenerationCore

/// Sessions can be ended (issue #16): logout, logout everywhere, a cap per user; password hashes follow the configured
/// rounds.
@Suite struct SessionAPITests {
    static let credentials = #"{"email":"sam@example.com","password":"correct horse battery"}"#

    @Test func logoutEndsThatSessionAndNoOther() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser("sam@example.com")
            let other = try #require(try await client.send(.post, "/api/v1/sessions", json: Self.credentials)["token"] as? String)
            #expect(try await client.send(.get, "/api/v1/me", token: token).status == .ok, "cached from here on")

            #expect(try await client.send(.delete, "/api/v1/sessions/current", token: token).status == .noContent)
            let after = try await client.send(.get, "/api/v1/me", token: token)
            #expect(after.status == .unauthorized)
            #expect(after["type"] as? String == "/docs#problem-unauthorized")
            #expect(try await client.send(.delete, "/api/v1/sessions/current", token: token).status == .unauthorized, "once only")
            #expect(try await client.send(.get, "/api/v1/me", token: other).status == .ok)
        }
    }

    @Test func logoutEverywhereEndsEverySessionOfTheUser() async throws {
        try await TestHarness().withClient { client in
            let first = try await client.newUser("sam@example.com")
            let second = try #require(try await client.send(.post, "/api/v1/sessions", json: Self.credentials)["token"] as? String)
            let stranger = try await client.newUser("kim@example.com")
            for token in [first, second] { #expect(try await client.send(.get, "/api/v1/me", token: token).status == .ok) }

            #expect(try await client.send(.delete, "/api/v1/sessions", token: second).status == .noContent)
            for token in [first, second] { #expect(try await client.send(.get, "/api/v1/me", token: token).status == .unauthorized) }
            #expect(try await client.send(.get, "/api/v1/me", token: stranger).status == .ok, "other users keep theirs")
            #expect(try await client.send(.delete, "/api/v1/sessions").status == .unauthorized, "needs a token")
        }
    }

    @Test func aLoginBeyondTheCapEndsTheOldestSession() async throws {
        let harness = try TestHarness { $0.accounts.maxSessionsPerUser = 2 }
        try await harness.withClient { client in
            let oldest = try await client.newUser("sam@example.com")
            #expect(try await client.send(.get, "/api/v1/me", token: oldest).status == .ok)
            var tokens: [String] = []
            for _ in 0..<2 {
                tokens.append(try #require(try await client.send(.post, "/api/v1/sessions", json: Self.credentials)["token"] as? String))
            }
            #expect(try await client.send(.get, "/api/v1/me", token: oldest).status == .unauthorized, "ended, although it was cached")
            for token in tokens { #expect(try await client.send(.get, "/api/v1/me", token: token).status == .ok) }
        }
    }

    @Test func aLoginRehashesAPasswordMadeWithFewerRoundsThanConfigured() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in _ = try await client.newUser("sam@example.com") }
        let before = try #require(try await harness.storage.credentials(email: "sam@example.com"))
        #expect(before.passwordHash.hasPrefix("pbkdf2-sha256$210000$"))

        // The operator raised LOOKOUT_PASSWORD_HASH_ROUNDS: the old hash still verifies, and is replaced.
        let raised = AccountService(store: harness.storage, hasher: PasswordHasher(rounds: 250_000))
        _ = try await raised.login(email: "sam@example.com", password: "correct horse battery")
        let after = try #require(try await harness.storage.credentials(email: "sam@example.com"))
        #expect(after.passwordHash.hasPrefix("pbkdf2-sha256$250000$"))
        _ = try await raised.login(email: "sam@example.com", password: "correct horse battery")
        #expect(try await harness.storage.credentials(email: "sam@example.com")?.passwordHash == after.passwordHash, "once only")
        await #expect(throws: ServiceError.self) { try await raised.login(email: "sam@example.com", password: "wrong password") }
    }

    @Test func unknownEmailsCostTheConfiguredRoundsToo() {
        #expect(PasswordHasher(rounds: 300_000).dummyHash.hasPrefix("pbkdf2-sha256$300000$"))
        #expect(PasswordHasher().dummyHash.hasPrefix("pbkdf2-sha256$210000$"))
    }
}
