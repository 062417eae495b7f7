import Foundation
import GenerationCore
import HTTPTypes
import HummingbirdTesting
import ServiceLifecycle
import Testing
import TestSupport

@Suite struct GenerationAPITests {
    @Test func submittingDebitsCreditsAndQueuesTheGeneration() async throws {
        let harness = try TestHarness()
        try await harness.withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 100)
            let reply = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"a red fox","kind":"image"}"#)
            #expect(reply.status == .accepted)
            let id = try #require(reply["id"] as? String)
            #expect(reply.headers[.location] == "/api/v1/generations/\(id)")
            #expect(reply["status"] as? String == "queued")
            #expect(reply["credit_cost"] as? Int == 10)
            #expect(try await client.credits(token) == 90)
        }
        #expect(try await harness.storage.queueSnapshot().queued == 1, "the job is enqueued with its row")
    }

    @Test func aWorkerCompletesTheGenerationWithADeterministicArtifact() async throws {
        let harness = try TestHarness()
        let worker = harness.worker(generator: InstantGenerator())
        let group = ServiceGroup(services: [worker], logger: harness.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await harness.withClient { client in
                let token = try await client.newUser()
                try await client.buyCredits(token, amountMinor: 100)
                let submitted = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"a red fox","kind":"image"}"#)
                let id = try #require(submitted["id"] as? String)
                var last = JSONReply(status: .ok, headers: [:], body: .init())
                let finished = try await eventually {
                    last = try await client.send(.get, "/api/v1/generations/\(id)", token: token)
                    return last["status"] as? String == "succeeded"
                }
                #expect(finished, "\(last.text)")
                let result = try #require(last["result"] as? [String: Any])
                #expect(result["content_type"] as? String == "image/svg+xml")
                #expect(result["content"] as? String == SyntheticGenerator.render(kind: .image, prompt: "a red fox").content)
                #expect((result["content"] as? String)?.hasPrefix("<svg") == true)
                #expect(last["attempts"] as? Int == 1)
                #expect(last["completed_at"] is String)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aShortBalanceIsPaymentRequiredWithTheNumbers() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 5)
            let reply = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"x","kind":"image"}"#)
            #expect(reply.status.code == 402)
            #expect(reply["type"] as? String == "/docs#problem-insufficient-credits")
            #expect(reply["balance"] as? Int == 5)
            #expect(reply["cost"] as? Int == 10)
            #expect(try await client.credits(token) == 5, "nothing is debited")
        }
    }

    @Test(arguments: [
        (#"{"prompt":"","kind":"image"}"#, "prompt must be"),
        (#"{"prompt":"   ","kind":"image"}"#, "prompt must be"),
        (#"{"prompt":"\#(String(repeating: "x", count: 2001))","kind":"image"}"#, "prompt must be"),
        // One character of 5 001 scalars (10 001 bytes): the character limit alone would let it through.
        (#"{"prompt":"e\#(String(repeating: "\u{301}", count: 5000))","kind":"image"}"#, "8000 bytes of UTF-8"),
        (#"{"prompt":"\u0000x","kind":"text"}"#, "control characters (found U+0000)"),
        (#"{"prompt":"bell\u0007","kind":"text"}"#, "control characters (found U+0007)"),
        (#"{"prompt":"hello","kind":"video"}"#, "kind must be one of image, text"),
    ])
    func invalidSubmissionsAreRejected(body: String, reason: String) async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(.post, "/api/v1/generations", token: token, json: body)
            #expect(reply.status == .unprocessableContent)
            #expect((reply["detail"] as? String)?.contains(reason) == true, "\(reply.text)")
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyReturnsTheFirstSubmissionAndDebitsOnce() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 100)
            let key: HTTPFields = [.init("Idempotency-Key")!: "gen-retry-1"]
            let body = #"{"prompt":"a lighthouse at dusk","kind":"image"}"#
            let first = try await client.send(.post, "/api/v1/generations", token: token, headers: key, json: body)
            #expect(first.status == .accepted)
            let retry = try await client.send(.post, "/api/v1/generations", token: token, headers: key, json: body)
            #expect(retry.status == .ok)
            #expect(retry.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(retry["id"] as? String == first["id"] as? String)
            #expect(try await client.credits(token) == 90, "debited once")

            let other = try await client.send(.post, "/api/v1/generations", token: token, headers: key, json: #"{"prompt":"another","kind":"image"}"#)
            #expect(other.status == .unprocessableContent)
            #expect(other["type"] as? String == "/docs#problem-idempotency-key-reused")
            #expect(other["generation_id"] as? String == first["id"] as? String)
            // Without a key, the same request is a new generation, as before.
            #expect(try await client.send(.post, "/api/v1/generations", token: token, json: body).status == .accepted)
            #expect(try await client.credits(token) == 80)
            let stranger = try await client.newUser()
            try await client.buyCredits(stranger, amountMinor: 100)
            #expect(try await client.send(.post, "/api/v1/generations", token: stranger, headers: key, json: body).status == .accepted, "keys are per user")
        }
    }

    @Test func linesAndTabsAreNotControlCharactersThatAreRefused() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 10)
            let body = #"{"prompt":"first line\nsecond\tline\r\n","kind":"text"}"#
            #expect(try await client.send(.post, "/api/v1/generations", token: token, json: body).status == .accepted)
        }
    }

    @Test func aPictureKeepsOnlyThePromptsBeginningInItsTitle() {
        let prompt = String(repeating: "a lighthouse at dusk ", count: 90)
        let svg = SyntheticGenerator.render(kind: .image, prompt: prompt).content
        #expect(svg.contains("<title>\(prompt.prefix(100))…</title>"))
        #expect(svg.utf8.count < 2000, "the 1 890-character prompt is not copied whole")
    }

    @Test func aPromptOfExactly2000CharactersIsAccepted() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 10)
            let body = #"{"prompt":"\#(String(repeating: "é", count: 2000))","kind":"text"}"#
            #expect(try await client.send(.post, "/api/v1/generations", token: token, json: body).status == .accepted)
        }
    }

    @Test func listingPaginatesNewestFirstAndFiltersByStatus() async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            try await client.buyCredits(token, amountMinor: 100)
            var submitted: [String] = []
            for index in 0..<5 {
                let reply = try await client.send(.post, "/api/v1/generations", token: token, json: #"{"prompt":"p\#(index)","kind":"text"}"#)
                submitted.append(try #require(reply["id"] as? String))
            }
            let first = try await client.send(.get, "/api/v1/generations?limit=2", token: token)
            let firstItems = try #require(first["items"] as? [[String: Any]])
            #expect(firstItems.compactMap { $0["id"] as? String } == [submitted[4], submitted[3]])
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try await client.send(.get, "/api/v1/generations?limit=2&cursor=\(cursor)", token: token)
            #expect((second["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [submitted[2], submitted[1]])
            let cursor2 = try #require(second["next_cursor"] as? String)
            let third = try await client.send(.get, "/api/v1/generations?limit=2&cursor=\(cursor2)", token: token)
            #expect((third["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [submitted[0]])
            #expect(third.json["next_cursor"] is NSNull)

            let queued = try await client.send(.get, "/api/v1/generations?status=queued", token: token)
            #expect((queued["items"] as? [Any])?.count == 5)
            let succeeded = try await client.send(.get, "/api/v1/generations?status=succeeded", token: token)
            #expect((succeeded["items"] as? [Any])?.count == 0)
        }
    }

    @Test(arguments: ["status=done", "limit=0", "limit=101", "limit=ten", "cursor=bogus"])
    func badListingParametersAreRejected(query: String) async throws {
        try await TestHarness().withClient { client in
            let token = try await client.newUser()
            let reply = try await client.send(.get, "/api/v1/generations?\(query)", token: token)
            #expect(reply.status == .unprocessableContent, "\(query): \(reply.text)")
        }
    }

    @Test func usersOnlySeeTheirOwnGenerations() async throws {
        try await TestHarness().withClient { client in
            let alice = try await client.newUser()
            let bob = try await client.newUser()
            try await client.buyCredits(alice, amountMinor: 10)
            let reply = try await client.send(.post, "/api/v1/generations", token: alice, json: #"{"prompt":"mine","kind":"text"}"#)
            let id = try #require(reply["id"] as? String)
            #expect(try await client.send(.get, "/api/v1/generations/\(id)", token: bob).status == .notFound)
            #expect((try await client.send(.get, "/api/v1/generations", token: bob)["items"] as? [Any])?.isEmpty == true)
        }
    }
}
