import Foundation
import GenerationCore
import GenerationSQLite
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// A generator that fails its first `failures` calls, then succeeds.
final class FlakyGenerator: Generator {
    let failures: Int
    let permanent: Bool
    let calls = Atomic<Int>(0)

    init(failures: Int, permanent: Bool = false) {
        self.failures = failures
        self.permanent = permanent
    }

    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult {
        let call = calls.add(1, ordering: .relaxed).newValue
        if call <= failures { throw GeneratorError(reason: "scripted failure \(call)", isPermanent: permanent) }
        return SyntheticGenerator.render(kind: kind, prompt: prompt)
    }
}

/// A generator that throws `CancellationError` although nobody cancelled it (a library that maps its own timeouts so).
final class SelfCancellingGenerator: Generator {
    let calls = Atomic<Int>(0)
    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult {
        calls.add(1, ordering: .relaxed)
        throw CancellationError()
    }
}

/// A generator that takes `duration` (or until cancelled) and records whether it was cancelled.
final class SlowGenerator: Generator {
    let duration: Duration
    let started = Atomic<Int>(0)
    let cancelled = Atomic<Bool>(false)

    init(_ duration: Duration) { self.duration = duration }

    func generate(kind: GenerationKind, prompt: String) async throws -> GenerationResult {
        started.add(1, ordering: .relaxed)
        do {
            try await Task.sleep(for: duration)
        } catch {
            cancelled.store(true, ordering: .relaxed)
            throw error
        }
        return SyntheticGenerator.render(kind: kind, prompt: prompt)
    }
}

@Suite struct WorkerTests {
    let storage: SQLiteStorage
    let userID = "usr_worker"

    init() async throws {
        storage = try SQLiteStorage.migrated(location: .inMemory)
        _ = try await storage.createUser(id: userID, email: "w@example.com", passwordHash: "x", now: Date())
        let payment = Payment(
            id: "pay_w", userID: userID, idempotencyKey: "k", requestFingerprint: "f", amountMinor: 100, currency: .eur,
            credits: 100, status: .pending, createdAt: Date(), updatedAt: Date()
        )
        _ = try await storage.beginPayment(payment)
        _ = try await storage.settlePayment(id: "pay_w", .approved(providerReference: "r"), now: Date())
    }

    private func submit(maxAttempts: Int = 3) async throws -> String {
        let generation = Generation(
            id: Identifier.make(prefix: "gen"), userID: userID, kind: .image, prompt: "worker test", status: .queued,
            creditCost: 10, createdAt: Date(), updatedAt: Date()
        )
        return try await storage.submitGeneration(generation, maxAttempts: maxAttempts, traceHeaders: [:], now: Date()).id
    }

    private func makeWorker(_ generator: any Generator, configure: (inout GenerationWorker.Configuration) -> Void = { _ in }) -> GenerationWorker {
        var configuration = GenerationWorker.Configuration()
        configuration.workerID = "worker-under-test"
        configuration.pollInterval = .milliseconds(10)
        configuration.retryBaseDelay = .zero
        configuration.retryJitter = 0
        configure(&configuration)
        var logger = Logger(label: "worker-test")
        logger.logLevel = .critical
        return GenerationWorker(queue: storage, generator: generator, configuration: configuration, logger: logger)
    }

    /// Runs the worker in a ServiceGroup while `body` runs, then shuts it down gracefully.
    private func running(_ worker: GenerationWorker, _ body: (ServiceGroup) async throws -> Void) async throws {
        var logger = Logger(label: "group")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [worker], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body(group)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func generation(_ id: String) async throws -> Generation? {
        try await storage.generation(id: id, userID: userID)
    }

    @Test func transientFailuresAreRetriedUntilTheGenerationSucceeds() async throws {
        let id = try await submit(maxAttempts: 3)
        try await running(makeWorker(FlakyGenerator(failures: 2))) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .succeeded })
        }
        #expect(try await generation(id)?.attempts == 3)
        #expect(try await storage.user(id: userID)?.credits == 90)
    }

    @Test func exhaustedRetriesFailTheGenerationAndRefund() async throws {
        let id = try await submit(maxAttempts: 3)
        let generator = FlakyGenerator(failures: 100)
        try await running(makeWorker(generator)) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .failed })
        }
        let calls = generator.calls.load(ordering: .relaxed)
        #expect(calls == 3)
        #expect(try await generation(id)?.failureReason == "scripted failure 3")
        #expect(try await storage.user(id: userID)?.credits == 100)
        #expect(try await storage.queueSnapshot().dead == 1)
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        let id = try await submit(maxAttempts: 3)
        let generator = FlakyGenerator(failures: 1, permanent: true)
        try await running(makeWorker(generator)) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .failed })
        }
        let calls = generator.calls.load(ordering: .relaxed)
        #expect(calls == 1)
        #expect(try await storage.user(id: userID)?.credits == 100)
    }

    @Test func gracefulShutdownLetsARunningJobFinish() async throws {
        let id = try await submit()
        let generator = SlowGenerator(.milliseconds(400))
        try await running(makeWorker(generator) { $0.drainTimeout = .seconds(10) }) { (_: ServiceGroup) async throws in
            #expect(try await eventually { generator.started.load(ordering: .relaxed) == 1 })
        }
        // `running` returned only after the group shut down: the job must have completed during the drain.
        #expect(try await generation(id)?.status == .succeeded)
        let wasCancelled = generator.cancelled.load(ordering: .relaxed)
        #expect(!wasCancelled)
    }

    @Test func aJobStillRunningAfterTheDrainTimeoutIsReleasedForAnotherWorker() async throws {
        let id = try await submit()
        let generator = SlowGenerator(.seconds(60))
        try await running(makeWorker(generator) { $0.drainTimeout = .milliseconds(100) }) { (_: ServiceGroup) async throws in
            #expect(try await eventually { generator.started.load(ordering: .relaxed) == 1 })
        }
        let wasCancelled = generator.cancelled.load(ordering: .relaxed)
        #expect(wasCancelled)
        let released = try #require(try await generation(id))
        #expect(released.status == .queued)
        #expect(released.attempts == 0, "a released attempt does not count")
        #expect(try await storage.claimNextJob(workerID: "next", leaseDuration: 30, now: Date()) != nil)
    }

    @Test func anAttemptThatHangsPastItsTimeoutFailsAndIsRetriedThenDeadLettered() async throws {
        let id = try await submit(maxAttempts: 2)
        let generator = SlowGenerator(.seconds(3600))
        try await running(makeWorker(generator) { $0.attemptTimeout = .milliseconds(50) }) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .failed })
        }
        let started = generator.started.load(ordering: .relaxed)
        let wasCancelled = generator.cancelled.load(ordering: .relaxed)
        #expect(started == 2, "two attempts, each cut off")
        #expect(wasCancelled)
        let failed = try #require(try await generation(id))
        #expect(failed.failureReason?.contains("ran longer than") == true)
        #expect(try await storage.user(id: userID)?.credits == 100)
    }

    @Test func aGeneratorThatCancelsItselfFailsItsAttemptInsteadOfBeingReleasedInALoop() async throws {
        let id = try await submit(maxAttempts: 2)
        let generator = SelfCancellingGenerator()
        try await running(makeWorker(generator)) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .failed })
        }
        let calls = generator.calls.load(ordering: .relaxed)
        #expect(calls == 2, "each call was a counted attempt")
        #expect(try await storage.queueSnapshot().dead == 1)
    }

    @Test func aJobAbandonedByADeadWorkerIsCompletedByTheNextOne() async throws {
        let id = try await submit()
        // A worker claims the job with a one-second lease and is then killed: no renewal, no completion.
        let abandoned = try #require(try await storage.claimNextJob(workerID: "killed", leaseDuration: 1, now: Date()))
        try await running(makeWorker(InstantGenerator())) { (_: ServiceGroup) async throws in
            #expect(try await eventually { try await generation(id)?.status == .succeeded })
        }
        #expect(try await generation(id)?.attempts == 2)
        #expect(try await storage.completeJob(abandoned, result: .init(contentType: "x", content: "late"), now: Date()) == .alreadyFinished)
        #expect(try await generation(id)?.result?.content != "late")
    }

    @Test func theWorkerRecordsHeartbeats() async throws {
        #expect(await storage.health().latestWorkerHeartbeat == nil)
        try await running(makeWorker(InstantGenerator())) { (_: ServiceGroup) async throws in
            #expect(try await eventually { await storage.health().latestWorkerHeartbeat != nil })
        }
    }
}
