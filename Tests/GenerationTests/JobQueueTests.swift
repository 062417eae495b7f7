import Foundation
import GenerationCore
import GenerationSQLite
import TestSupport
import Testing

/// The durable queue's contract, on the real SQLite storage with a wall clock the test moves.
@Suite struct JobQueueTests {
    let storage: SQLiteStorage
    let clock = ManualWallClock()
    let userID = "usr_test"

    init() async throws {
        storage = try SQLiteStorage.migrated(location: .inMemory)
        _ = try await storage.createUser(id: userID, email: "q@example.com", passwordHash: "x", now: clock.now)
        _ = try await storage.settlePayment(
            id: try await beginPayment(), .approved(providerReference: "ref"), now: clock.now
        )
    }

    private func beginPayment() async throws -> String {
        let payment = Payment(
            id: "pay_1", userID: userID, idempotencyKey: "k", requestFingerprint: "f", amountMinor: 100, currency: .eur,
            credits: 100, status: .pending, createdAt: clock.now, updatedAt: clock.now
        )
        guard case .created(let created) = try await storage.beginPayment(payment) else { throw CancellationError() }
        return created.id
    }

    private func submit(maxAttempts: Int = 3) async throws -> Generation {
        let generation = Generation(
            id: Identifier.make(prefix: "gen"), userID: userID, kind: .text, prompt: "hello", status: .queued, creditCost: 2,
            createdAt: clock.now, updatedAt: clock.now
        )
        return try await storage.submitGeneration(generation, maxAttempts: maxAttempts, traceHeaders: ["sentry-trace": "abc"], now: clock.now)
    }

    private func claim(_ worker: String = "w1", lease: TimeInterval = 30) async throws -> ClaimedJob? {
        try await storage.claimNextJob(workerID: worker, leaseDuration: lease, now: clock.now)
    }

    private func credits() async throws -> Int64 { try await storage.user(id: userID)?.credits ?? -1 }

    @Test func aClaimHoldsTheJobUntilItsLeaseExpires() async throws {
        let generation = try await submit()
        let job = try #require(try await claim())
        #expect(job.generationID == generation.id)
        #expect(job.attempt == 1)
        #expect(job.traceHeaders == ["sentry-trace": "abc"])
        #expect(try await claim("w2") == nil, "a held job is not handed out twice")
        #expect(try await storage.generation(id: generation.id, userID: userID)?.status == .running)
        clock.advance(bySeconds: 29)
        #expect(try await storage.extendLease(job, until: clock.now.addingTimeInterval(30), now: clock.now))
        clock.advance(bySeconds: 29)
        #expect(try await claim("w2") == nil, "the renewed lease still holds")
    }

    @Test func completionStoresTheResultAndIsIdempotent() async throws {
        let generation = try await submit()
        let job = try #require(try await claim())
        let result = GenerationResult(contentType: "text/plain", content: "done")
        #expect(try await storage.completeJob(job, result: result, now: clock.now) == .completed)
        #expect(try await storage.completeJob(job, result: result, now: clock.now) == .alreadyFinished)
        let stored = try #require(try await storage.generation(id: generation.id, userID: userID))
        #expect(stored.status == .succeeded)
        #expect(stored.result == result)
        #expect(try await storage.queueSnapshot() == QueueSnapshot(succeeded: 1))
    }

    @Test func aFailureIsRetriedOnlyWhenItsBackoffHasPassed() async throws {
        let generation = try await submit()
        let job = try #require(try await claim())
        let retryAt = clock.now.addingTimeInterval(4)
        #expect(try await storage.failJob(job, reason: "boom", retryAt: retryAt, now: clock.now) == .retryScheduled(at: retryAt))
        #expect(try await storage.generation(id: generation.id, userID: userID)?.status == .queued)
        clock.advance(bySeconds: 3.9)
        #expect(try await claim() == nil, "not before its backoff")
        clock.advance(bySeconds: 0.1)
        let retried = try #require(try await claim())
        #expect(retried.attempt == 2)
        #expect(!retried.recoveredFromExpiredLease)
    }

    @Test func theLastFailureDeadLettersFailsTheGenerationAndRefunds() async throws {
        let generation = try await submit(maxAttempts: 2)
        #expect(try await credits() == 98)
        let first = try #require(try await claim())
        _ = try await storage.failJob(first, reason: "boom 1", retryAt: clock.now, now: clock.now)
        let second = try #require(try await claim())
        #expect(second.attempt == 2)
        #expect(try await storage.failJob(second, reason: "boom 2", retryAt: nil, now: clock.now) == .deadLettered)
        let stored = try #require(try await storage.generation(id: generation.id, userID: userID))
        #expect(stored.status == .failed)
        #expect(stored.failureReason == "boom 2")
        #expect(try await credits() == 100, "the credits come back")
        #expect(try await storage.queueSnapshot().dead == 1)
        #expect(try await claim() == nil)
    }

    @Test func aJobWhoseWorkerDiedIsReclaimedAndFinishesExactlyOnce() async throws {
        let generation = try await submit()
        let dead = try #require(try await claim("doomed-worker", lease: 10))
        // The worker is SIGKILLed: it never renews, completes or releases.
        clock.advance(bySeconds: 10)
        let rescued = try #require(try await claim("rescuer", lease: 10))
        #expect(rescued.recoveredFromExpiredLease)
        #expect(rescued.attempt == 2)
        #expect(rescued.generationID == generation.id)
        let result = GenerationResult(contentType: "text/plain", content: "rescued")
        #expect(try await storage.completeJob(rescued, result: result, now: clock.now) == .completed)
        // The first worker comes back from the dead with its own answer: it changes nothing.
        let late = GenerationResult(contentType: "text/plain", content: "late")
        #expect(try await storage.completeJob(dead, result: late, now: clock.now) == .alreadyFinished)
        #expect(try await storage.extendLease(dead, until: clock.now.addingTimeInterval(10), now: clock.now) == false)
        #expect(try await storage.generation(id: generation.id, userID: userID)?.result == result)
    }

    @Test func aStalledWorkerLosesItsLeaseToTheRescuer() async throws {
        _ = try await submit()
        let stalled = try #require(try await claim("stalled", lease: 10))
        clock.advance(bySeconds: 11)
        let rescuer = try #require(try await claim("rescuer", lease: 10))
        #expect(try await storage.failJob(stalled, reason: "late failure", retryAt: nil, now: clock.now) == .leaseLost)
        #expect(try await storage.completeJob(rescuer, result: .init(contentType: "t", content: "ok"), now: clock.now) == .completed)
    }

    @Test func aWorkerLostOnTheFinalAttemptDeadLettersInsteadOfExceedingTheLimit() async throws {
        let generation = try await submit(maxAttempts: 1)
        _ = try #require(try await claim("doomed", lease: 5))
        clock.advance(bySeconds: 6)
        #expect(try await claim("rescuer") == nil)
        #expect(try await storage.generation(id: generation.id, userID: userID)?.status == .failed)
        #expect(try await credits() == 100)
    }

    @Test func releaseRequeuesAtOnceWithoutCountingTheAttempt() async throws {
        let generation = try await submit()
        let job = try #require(try await claim())
        #expect(try await storage.releaseJob(job, uncountedReleases: 3, now: clock.now) == .released)
        #expect(try await storage.generation(id: generation.id, userID: userID)?.status == .queued)
        let again = try #require(try await claim("w2"))
        #expect(again.attempt == 1)
    }

    @Test func aJobReleasedTooOftenCountsItsAttemptsAndIsFinallyDeadLettered() async throws {
        let generation = try await submit(maxAttempts: 2)
        for _ in 0..<2 {
            let job = try #require(try await claim())
            #expect(job.attempt == 1)
            #expect(try await storage.releaseJob(job, uncountedReleases: 2, now: clock.now) == .released)
        }
        let third = try #require(try await claim())
        #expect(try await storage.releaseJob(third, uncountedReleases: 2, now: clock.now) == .releasedCounted)
        let last = try #require(try await claim())
        #expect(last.attempt == 2, "the counted release used attempt 1")
        #expect(try await storage.releaseJob(last, uncountedReleases: 2, now: clock.now) == .deadLettered)
        let failed = try #require(try await storage.generation(id: generation.id, userID: userID))
        #expect(failed.status == .failed)
        #expect(failed.failureReason?.contains("released unfinished at shutdown 4 times") == true)
        #expect(try await credits() == 100, "refunded")
        #expect(try await storage.releaseJob(last, uncountedReleases: 2, now: clock.now) == .leaseLost)
    }

    @Test func theOldestDueJobIsClaimedFirst() async throws {
        let first = try await submit()
        clock.advance(bySeconds: 1)
        _ = try await submit()
        #expect(try await claim()?.generationID == first.id)
        #expect(try await storage.queueSnapshot().oldestQueuedAt == clock.now)
    }

    @Test func backoffDoublesUpToTheCap() {
        let delays = (1...8).map { GenerationWorker.backoff(afterAttempt: $0, base: .seconds(2), max: .seconds(60)) }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60), .seconds(60), .seconds(60)])
    }
}
