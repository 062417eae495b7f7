import Logging
import ServiceLifecycle

/// Moves what the ``SLARecorder`` counted into the ``SLAStore`` every `interval`, and once more on graceful shutdown.
/// A failed write puts the counts back, to be written with the next flush.
public struct SLAFlushService<C: Clock>: Service where C.Duration == Duration {
    let recorder: SLARecorder
    let store: any SLAStore
    let interval: Duration
    let clock: C
    let logger: Logger
    let flushed: (@Sendable (_ succeeded: Bool, _ duration: Duration) -> Void)?

    /// - Parameter flushed: told after each flush whether it wrote and how long it took (a cron monitor's check-in).
    public init(
        recorder: SLARecorder, store: any SLAStore, interval: Duration = .seconds(10), clock: C, logger: Logger,
        flushed: (@Sendable (_ succeeded: Bool, _ duration: Duration) -> Void)? = nil
    ) {
        self.recorder = recorder
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.flushed = flushed
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
            await flush()
        }
        await flush()
    }

    /// Writes what is pending now.
    public func flush() async {
        let start = ContinuousClock.now
        do {
            try await recorder.flush { try await store.addSLABuckets($0) }
            flushed?(true, .now - start)
        } catch {
            logger.warning("writing SLA counts failed; they will be written with the next flush", metadata: ["error": "\(error)"])
            flushed?(false, .now - start)
        }
    }
}

extension SLAFlushService where C == ContinuousClock {
    public init(
        recorder: SLARecorder, store: any SLAStore, interval: Duration = .seconds(10), logger: Logger,
        flushed: (@Sendable (_ succeeded: Bool, _ duration: Duration) -> Void)? = nil
    ) {
        self.init(recorder: recorder, store: store, interval: interval, clock: ContinuousClock(), logger: logger, flushed: flushed)
    }
}
