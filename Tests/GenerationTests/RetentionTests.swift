import Foundation
import GenerationCore
@testable import GenerationSQLite
import Logging
import TestSupport
import Testing

/// Finished jobs and old results are purged (issue #16), so that the queue's tables and the file stop growing.
@Suite struct RetentionTests {
    let storage: SQLiteStorage
    let userID = "usr_retention"
    static let day: TimeInterval = 86_400
    /// When the jobs of these tests finish.
    static let finished = Date(timeIntervalSince1970: 1_800_000_000)

    init() async throws {
        storage = try SQLiteStorage.migrated(location: .inMemory)
        _ = try await storage.createUser(id: userID, email: "r@example.com", passwordHash: "x", now: Self.finished)
        let payment = Payment(
            id: "pay_r", userID: userID, idempotencyKey: "k", requestFingerprint: "f", amountMinor: 2000, currency: .eur,
            credits: 2000, status: .pending, createdAt: Self.finished, updatedAt: Self.finished
        )
        _ = try await storage.beginPayment(payment)
        _ = try await storage.settlePayment(id: "pay_r", .approved(providerReference: "r"), now: Self.finished)
    }

    /// A generation run to the end at `at`: succeeded, or dead-lettered with one attempt.
    func finish(succeeding: Bool, at: Date) async throws -> String {
        let generation = Generation(
            id: Identifier.make(prefix: "gen"), userID: userID, kind: .text, prompt: "kept or not", status: .queued,
            creditCost: 2, createdAt: at, updatedAt: at
        )
        let id = try await storage.submitGeneration(generation, maxAttempts: 1, traceHeaders: [:], now: at).id
        let job = try #require(try await storage.claimNextJob(workerID: "w", leaseDuration: 30, now: at))
        if succeeding {
            #expect(try await storage.completeJob(job, result: SyntheticGenerator.render(kind: .text, prompt: "kept or not"), now: at) == .completed)
        } else {
            #expect(try await storage.failJob(job, reason: "broken", retryAt: nil, now: at) == .deadLettered)
        }
        return id
    }

    @Test func oldFinishedJobsGoAndOldResultsAreDroppedWhileTheGenerationsStay() async throws {
        let old = try await finish(succeeding: true, at: Self.finished)
        let dead = try await finish(succeeding: false, at: Self.finished)
        let recent = try await finish(succeeding: true, at: Self.finished.addingTimeInterval(10 * Self.day))
        #expect(try await storage.queueSnapshot().succeeded == 2)

        let cutoff = Self.finished.addingTimeInterval(Self.day)
        #expect(try await storage.purge(finishedJobsBefore: cutoff, artifactsBefore: cutoff) == RetentionPurge(jobs: 2, artifacts: 1))
        #expect(try await storage.queueSnapshot().succeeded == 1)
        #expect(try await storage.queueSnapshot().dead == 0)

        let purged = try #require(try await storage.generation(id: old, userID: userID))
        #expect(purged.status == .succeeded)
        #expect(purged.result == nil, "the artifact is gone, the record stays")
        #expect(try await storage.generation(id: dead, userID: userID)?.failureReason != nil)
        #expect(try await storage.generation(id: recent, userID: userID)?.result != nil)
        #expect(try await storage.purge(finishedJobsBefore: cutoff, artifactsBefore: cutoff) == RetentionPurge(jobs: 0, artifacts: 0), "nothing twice")
    }

    @Test func aPurgeLargerThanOneBatchTakesEverything() async throws {
        for _ in 0..<(SQLiteStorage.purgeBatch + 3) { _ = try await finish(succeeding: true, at: Self.finished) }
        let cutoff = Self.finished.addingTimeInterval(Self.day)
        let purged = try await storage.purge(finishedJobsBefore: cutoff, artifactsBefore: cutoff)
        #expect(purged == RetentionPurge(jobs: SQLiteStorage.purgeBatch + 3, artifacts: SQLiteStorage.purgeBatch + 3))
    }

    @Test func theServiceKeepsWhatIsYoungerThanItsRetentionAndCountsWhatItPurges() async throws {
        _ = try await finish(succeeding: true, at: Self.finished)
        let clock = ManualWallClock(Self.finished)
        let observer = PurgeCounter()
        var configuration = RetentionService<ManualClock>.Configuration()
        configuration.jobRetention = .seconds(30 * 86_400)
        configuration.artifactRetention = .seconds(90 * 86_400)
        let service = RetentionService(
            store: storage, configuration: configuration, observer: observer, clock: ManualClock(), now: { clock.now }, logger: Logger(label: "test")
        )
        clock.advance(bySeconds: 29 * Self.day)
        #expect(await service.purgeOnce() == RetentionPurge(jobs: 0, artifacts: 0))
        clock.advance(bySeconds: 2 * Self.day)
        #expect(await service.purgeOnce() == RetentionPurge(jobs: 1, artifacts: 0), "31 days: the job goes, the result stays")
        clock.advance(bySeconds: 60 * Self.day)
        #expect(await service.purgeOnce() == RetentionPurge(jobs: 0, artifacts: 1))
        #expect(observer.total == RetentionPurge(jobs: 1, artifacts: 1))
    }
}

final class PurgeCounter: ServiceObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var sum = RetentionPurge(jobs: 0, artifacts: 0)
    var total: RetentionPurge { lock.withLock { sum } }
    func retentionPurged(_ purge: RetentionPurge) {
        lock.withLock {
            sum.jobs += purge.jobs
            sum.artifacts += purge.artifacts
        }
    }
}
