import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Delivers envelopes to Sentry over HTTP without ever making the caller wait, and without losing what it accepted.
/// It retries and keeps the rate limits; what waits is ``EnvelopeQueue``'s (memory or spool, and the statistics), the
/// sending itself is ``HTTPEnvelopeExporter``'s.
///
/// ``enqueue(_:)`` drops rate-limited items and yields to a bounded stream; when the stream is full the oldest envelope
/// is dropped and counted (`queue_overflow`). ``run()`` (this is a `Service`) takes envelopes from the stream, writes them
/// to the on-disk spool when one is configured, and sends them oldest first, one at a time:
/// - 2xx: delivered (the spool file is deleted);
/// - 429: dropped by the server (not reported, as the protocol says), limits recorded;
/// - 413 and other 4xx: dropped and counted (`send_error`);
/// - network errors and 5xx: kept and retried with exponential backoff and jitter, 5xx at most
///   ``Configuration/maxServerErrorAttempts`` times, network errors (an outage, or an envelope that always times out) at
///   most ``Configuration/maxNetworkErrorAttempts`` times in a row; an envelope older than ``Configuration/maxEnvelopeAge``
///   (spooled ones keep their age across restarts) is dropped, so that none can hold up the queue for ever. Those drops
///   are counted (`send_error`, `network_error`).
/// Every response's `X-Sentry-Rate-Limits` / `Retry-After` update per-category limits; limited items are dropped before
/// sending and counted (`ratelimit_backoff`). Discard counts ride along as a `client_report` item, or alone when idle.
/// On graceful shutdown the transport keeps sending for `SentryOptions.shutdownTimeout`; what is left stays in the spool
/// for the next start (without a spool it is counted as `network_error`). ``flush(timeout:)`` waits for the queue to
/// drain (it is woken by the last delivery or drop, it does not poll). Backoff, the client-report interval and the
/// deadlines run on the injected clock.
///
/// Work that blocks (making an envelope's bytes, which scrubs and symbolicates stack traces; the spool's writes with
/// `fsync`, reads and deletes) runs on a thread of its own (``blockingPool``), never on Swift's cooperative pool, which
/// on a two-core machine has two threads for every request of the process; and not on NIO's shared blocking pool either,
/// where password hashing queues up during a login storm, just when errors need reporting.
public final class HTTPTransport: EnvelopeSink, Service {
    /// Timings of delivery. Defaults suit production; tests shorten them.
    public struct Configuration: Sendable {
        /// The whole exchange with Sentry for one envelope, connection included. Default 5 s.
        public var requestTimeout: Duration = .seconds(5)
        /// First wait after a failed send, doubled each time up to ``maxBackoff``. Default 1 s.
        public var initialBackoff: Duration = .seconds(1)
        /// Default 60 s.
        public var maxBackoff: Duration = .seconds(60)
        /// Sends of one envelope answered by a 5xx before it is dropped (`send_error`). Default 8.
        public var maxServerErrorAttempts = 8
        /// Sends of one envelope in a row that get no answer (refused, reset, timed out) before it is dropped
        /// (`network_error`). Default 40: with the default backoff, about half an hour of trying.
        public var maxNetworkErrorAttempts = 40
        /// An envelope accepted longer ago than this is dropped rather than sent (`network_error`). Default 1 day.
        public var maxEnvelopeAge: Duration = .seconds(86_400)
        /// How often discard counts are sent when no envelope carries them. Default 30 s.
        public var clientReportInterval: Duration = .seconds(30)
        /// Gzip request bodies. Default true.
        public var compress = true

        public init() {}
    }

    /// What the transport has done so far: read by metrics and health checks.
    public struct Statistics: Sendable, Equatable {
        /// Envelopes Sentry answered with a 2xx.
        public var sentEnvelopes = 0
        /// Envelopes accepted and not yet delivered or dropped (in memory and in the spool).
        public var queued = 0
        public var spoolFiles = 0
        public var spoolBytes = 0
        /// Sends that failed and will be retried (network errors and 5xx).
        public var failedAttempts = 0
        public var lastSuccess: Date?
        /// The last failure, for operators ("connection refused", "HTTP 503", …). Cleared by a success.
        public var lastError: String?

        public init() {}
    }

    public let discards: DiscardCounter
    private let options: SentryOptions
    private let configuration: Configuration
    private let logger: Logger
    /// Sends; the transport decides what the answer means.
    private let exporter: HTTPEnvelopeExporter
    private let stream: AsyncStream<Envelope>
    private let continuation: AsyncStream<Envelope>.Continuation
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    /// What is accepted and not yet delivered or dropped, and the statistics.
    private let queue: EnvelopeQueue
    private let rateLimits = Mutex(RateLimits())
    /// Times the backoff, the client-report interval and the shutdown deadline; tests give one they move.
    private let clock: any Clock<Duration>
    /// Where blocking work runs.
    private let blockingPool: NIOThreadPool

    public init(
        options: SentryOptions, discards: DiscardCounter, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "lookout.sentry.transport"), httpClient: HTTPClient = .shared,
        clock: any Clock<Duration> = ContinuousClock(), blockingPool: NIOThreadPool = HTTPTransport.blockingPool
    ) {
        self.options = options
        self.clock = clock
        self.blockingPool = blockingPool
        self.discards = discards
        self.configuration = configuration
        var logger = logger
        logger.logLevel = options.debug ? .debug : max(logger.logLevel, .info)
        self.logger = logger
        self.exporter = HTTPEnvelopeExporter(client: httpClient, timeout: configuration.requestTimeout, compress: configuration.compress)
        self.queue = EnvelopeQueue(memoryLimit: options.queueSize, memoryByteLimit: options.queueMaxBytes)
        (stream, continuation) = AsyncStream.makeStream(of: Envelope.self, bufferingPolicy: .bufferingNewest(max(1, options.queueSize)))
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: The caller's side

    /// Queues an envelope. Never waits: rate-limited items and, when the queue is full, the oldest envelope are dropped
    /// and counted.
    public func enqueue(_ envelope: Envelope) {
        var envelope = envelope
        dropRateLimitedItems(&envelope)
        guard !envelope.items.isEmpty else { return }
        queue.entering()
        switch continuation.yield(envelope) {
        case .enqueued:
            break
        case .dropped(let oldest):
            queue.lostOnTheWay()
            countDrop(oldest, .queueOverflow)
        case .terminated:
            queue.lostOnTheWay()
            countDrop(envelope, .queueOverflow)
        @unknown default:
            break
        }
    }

    public var statistics: Statistics { queue.statistics }

    /// Waits until everything accepted so far is delivered or dropped, at most `timeout`. Returns whether it got there.
    public func flush(timeout: Duration) async -> Bool {
        if queue.isDrained { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.queue.drained() }
            group.addTask { try? await self.clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return queue.isDrained
    }

    // MARK: The service

    public func run() async throws {
        guard let dsn = options.dsn else { return }
        if let directory = options.spoolDirectory {
            do {
                let maxBytes = options.spoolMaxBytes
                let spool = try await offThePool { try EnvelopeSpool(directory: directory, maxBytes: maxBytes) }
                queue.adopt(spool)
                if !spool.files.isEmpty { logger.info("sending envelopes spooled by an earlier run", metadata: ["count": "\(spool.files.count)"]) }
            } catch {
                logger.error("Sentry spool unusable, keeping envelopes in memory only", metadata: ["directory": "\(directory)", "error": "\(error)"])
            }
        }
        let timeout = options.shutdownTimeout
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.takeFromStream() }
                group.addTask { await self.sendLoop(dsn: dsn) }
                group.addTask { await self.remindAboutReports() }
                group.addTask {
                    try await gracefulShutdown()
                    self.continuation.finish()
                    try await self.clock.sleep(for: timeout)
                    throw CancellationError()
                }
                // The intake and the sender end once the stream is finished and everything is sent.
                for _ in 0..<2 { try await group.next() }
                group.cancelAll()
            }
        } catch {
            // Cancelled, or the shutdown deadline passed: whatever is left stays spooled, or is counted as lost.
        }
        continuation.finish()
        wakeUp.finish()
        let lost = queue.abandon()
        for envelope in lost { countDrop(envelope, .networkError) }
        if !lost.isEmpty { logger.warning("Sentry envelopes not delivered before shutdown", metadata: ["count": "\(lost.count)"]) }
        queue.releaseSpool()
    }

    private func takeFromStream() async {
        let spooling = queue.isSpooling
        for await envelope in stream {
            var storage: EnvelopeQueue.Pending.Storage? = .memory(envelope)
            var evicted: [EnvelopeSpool.Eviction] = []
            if spooling {
                // `sent_at` is stamped again at send time; the spooled copy's value is ignored.
                do {
                    let queue = self.queue
                    if let result = try await offThePool({ try queue.spool(envelope.serialized(sentAt: Date())) }) {
                        evicted = result.evicted
                        if let file = result.stored {
                            storage = .spooled(file)
                        } else {
                            countDrop(envelope, .cacheOverflow)
                            storage = nil
                        }
                    }
                } catch {
                    logger.warning("could not spool a Sentry envelope, keeping it in memory", metadata: ["error": "\(error)"])
                }
            }
            for eviction in evicted {
                logger.warning("Sentry spool full, dropped the oldest envelope", metadata: ["file": "\(eviction.file.name)"])
                if let envelope = try? Envelope(parsing: eviction.bytes) { countDrop(envelope, .cacheOverflow) }
            }
            // Kept in memory: its payloads are made now (they would be at its send anyway), so the byte limit counts
            // what it really holds.
            var bytes = 0
            if case .memory = storage { bytes = (try? await offThePool { envelope.payloadBytes }) ?? 0 }
            for overflow in queue.arrived(storage, bytes: bytes, evicted: evicted.map(\.file)) { countDrop(overflow, .queueOverflow) }
            wakeUp.yield()
        }
        wakeUp.finish()
    }

    private func remindAboutReports() async {
        while !Task.isCancelled {
            try? await clock.sleep(for: configuration.clientReportInterval)
            wakeUp.yield()
        }
    }

    private func sendLoop(dsn: DSN) async {
        var backoff = configuration.initialBackoff
        var serverErrors = 0
        var networkErrors = 0
        var wakeUpIterator = wakeUps.makeAsyncIterator()
        while !Task.isCancelled {
            guard let head = queue.head else {
                if !discards.snapshot.isEmpty, !clientReportsHeld {
                    _ = await send(Envelope(eventID: nil, dsn: dsn, items: []), dsn: dsn)
                }
                if await wakeUpIterator.next() == nil, queue.head == nil { return }
                continue
            }
            if Date().timeIntervalSince(head.acceptedAt) > Double(configuration.maxEnvelopeAge.components.seconds) {
                logger.warning("dropping a Sentry envelope older than the maximum age", metadata: ["accepted_at": "\(head.acceptedAt)"])
                if let envelope = try? pendingEnvelope(head) { countDrop(envelope, .networkError) }
                await finish(head)
                continue
            }
            let envelope: Envelope
            let queue = self.queue
            switch head.storage {
            case .memory(let value):
                // Its items' bytes were made when it arrived (takeFromStream, off the cooperative pool, for the byte
                // limit) and are kept: nothing to make here.
                envelope = value
            case .spooled(let file):
                guard let bytes = try? await offThePool({ try queue.read(file) }), let parsed = try? Envelope(parsing: bytes) else {
                    logger.warning("dropping an unreadable spooled Sentry envelope", metadata: ["file": "\(file.name)"])
                    discards.record(.internalSDKError, category: "default")
                    await finish(head)
                    continue
                }
                envelope = parsed
            }
            let outcome = await send(envelope, dsn: dsn)
            switch outcome {
            case .done:
                await finish(head)
                backoff = configuration.initialBackoff
                (serverErrors, networkErrors) = (0, 0)
            case .serverError where serverErrors + 1 >= configuration.maxServerErrorAttempts:
                countDrop(envelope, .sendError)
                await finish(head)
                (serverErrors, networkErrors) = (0, 0)
            case .networkError where networkErrors + 1 >= configuration.maxNetworkErrorAttempts:
                logger.warning("dropping a Sentry envelope that got no answer after every attempt", metadata: ["attempts": "\(networkErrors + 1)"])
                countDrop(envelope, .networkError)
                await finish(head)
                (serverErrors, networkErrors) = (0, 0)
            case .serverError, .networkError:
                if case .serverError = outcome { serverErrors += 1 } else { networkErrors += 1 }
                // Equal jitter: half the backoff, plus up to as much again, so that many processes do not retry in step.
                let wait = backoff / 2 + (backoff / 2) * Double.random(in: 0...1)
                do { try await clock.sleep(for: wait) } catch { return }
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }

    private enum SendOutcome { case done, serverError, networkError }

    /// The transports' thread for blocking work: one, for the whole process, started on first use.
    public static let blockingPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// Runs blocking work on ``blockingPool`` and waits for it. Not cancellable on purpose: at shutdown the transport's
    /// tasks are cancelled, and a spool write or read given up half-way would lose an envelope (or delete it as
    /// unreadable). On a pool that has stopped, the work runs here.
    private func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            // A stopped pool calls this too (state .cancelled): the work is done either way.
            blockingPool.submit { _ in continuation.resume(with: Result { try work() }) }
        }
    }

    /// Delivered or dropped: forgets it, deleting its spool file off the cooperative pool.
    private func finish(_ pending: EnvelopeQueue.Pending) async {
        let queue = self.queue
        guard case .spooled = pending.storage else { return queue.finish(pending) }
        // The work cannot throw, and offThePool runs it whether or not the pool still runs.
        _ = try? await offThePool { queue.finish(pending) }
    }

    /// The envelope a pending entry holds, read from the spool when it is there.
    private func pendingEnvelope(_ pending: EnvelopeQueue.Pending) throws -> Envelope {
        switch pending.storage {
        case .memory(let envelope): envelope
        case .spooled(let file): try Envelope(parsing: try queue.read(file))
        }
    }

    /// One attempt. Drops limited items first and attaches the pending client report.
    private func send(_ envelope: Envelope, dsn: DSN) async -> SendOutcome {
        var envelope = envelope
        dropRateLimitedItems(&envelope)
        let report = clientReportsHeld ? [:] : discards.drain()
        if !report.isEmpty { envelope.items.append(Envelope.clientReport(report)) }
        guard !envelope.items.isEmpty else { return .done }

        do {
            let answer = try await exporter.export(envelope, to: dsn, sentAt: Date())
            let status = answer.status
            rateLimits.withLock {
                $0.update(status: status, rateLimits: answer.rateLimits, retryAfter: answer.retryAfter, now: ContinuousClock.now)
            }
            switch status {
            case 200..<300:
                queue.recordSuccess(at: Date())
                logger.debug("sent a Sentry envelope", metadata: ["event_id": "\(envelope.eventID ?? "-")", "items": "\(envelope.items.count)"])
                return .done
            case 429:
                logger.warning("Sentry is rate limiting; dropping the envelope", metadata: ["event_id": "\(envelope.eventID ?? "-")"])
                return .done
            case 500..<600:
                discards.restore(report)
                noteFailure("HTTP \(status)")
                return .serverError
            default:
                logger.warning("Sentry refused an envelope", metadata: ["status": "\(status)", "event_id": "\(envelope.eventID ?? "-")"])
                countDrop(envelope, .sendError)
                return .done
            }
        } catch {
            discards.restore(report)
            noteFailure("\(error)")
            return .networkError
        }
    }

    /// A limit on every category holds client reports too: their counts wait (they are not drops) for it to end.
    private var clientReportsHeld: Bool {
        rateLimits.withLock { $0.isLimited("internal", now: ContinuousClock.now) }
    }

    /// Removes the items whose category Sentry asked us to hold back, counting them (`ratelimit_backoff`).
    private func dropRateLimitedItems(_ envelope: inout Envelope) {
        let now = ContinuousClock.now
        let limits = rateLimits.withLock { $0 }
        envelope.items.removeAll { item in
            guard limits.isLimited(item.category, now: now) else { return false }
            discards.record(.rateLimitBackoff, category: item.category)
            discards.record(.rateLimitBackoff, category: "span", quantity: Envelope.spansDropped(with: item))
            return true
        }
    }

    private func noteFailure(_ reason: String) {
        logger.debug("Sentry send failed, will retry", metadata: ["reason": "\(reason)"])
        queue.recordFailure(reason)
    }

    private func countDrop(_ envelope: Envelope, _ reason: DiscardReason) {
        for item in envelope.items where item.category != "internal" {
            discards.record(reason, category: item.category)
            discards.record(reason, category: "span", quantity: Envelope.spansDropped(with: item))
        }
    }
}
