import Foundation
import Synchronization

/// What ``HTTPTransport`` has accepted and not yet delivered or dropped, in the order it is sent: envelopes in memory,
/// or files in the ``EnvelopeSpool``, plus those still on their way in (yielded to the intake stream, not yet stored).
/// It also keeps the delivery statistics and wakes ``drained()`` waiters.
///
/// A class around one lock rather than an actor: ``HTTPTransport/enqueue(_:)`` runs on the request path and must not
/// hop to another executor. Every change goes through a method of this type, and each one that can empty the queue
/// wakes the waiters itself, so no caller can forget to.
///
/// The spool has a lock of its own, and its file I/O (writes with `fsync`, reads, deletes) happens under that one only:
/// the request path (``entering()``) and the metrics scrape (``statistics``) take the bookkeeping lock, which is never
/// held across a disk operation. Only the transport's own tasks touch the spool.
final class EnvelopeQueue: Sendable {
    struct Pending {
        enum Storage {
            case memory(Envelope)
            case spooled(EnvelopeSpool.File)
        }

        var id: UInt64
        var storage: Storage
        /// The payload bytes it holds in memory (0 when spooled).
        var bytes: Int
        /// When it was accepted (a spooled file's name says, across restarts): ``HTTPTransport`` drops an envelope
        /// older than its maximum age instead of retrying it for ever.
        var acceptedAt: Date
    }

    private struct State {
        var pending: [Pending] = []
        var spooling = false
        /// The spool's size, copied after each of its changes, for ``statistics``.
        var spoolFiles = 0
        var spoolBytes = 0
        /// Envelopes in memory (not spooled) among `pending`, and their payload bytes.
        var inMemory = 0
        var inMemoryBytes = 0
        var statistics = HTTPTransport.Statistics()
        var inStream = 0
        var nextID: UInt64 = 0
        /// ``drained()`` callers waiting for the queue to empty, by waiter id; ids cancelled before they waited.
        var drainWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<UInt64> = []

        var isDrained: Bool { pending.isEmpty && inStream == 0 }

        mutating func append(_ storage: Pending.Storage, bytes: Int, acceptedAt: Date) {
            nextID += 1
            let isInMemory = if case .memory = storage { true } else { false }
            pending.append(Pending(id: nextID, storage: storage, bytes: isInMemory ? bytes : 0, acceptedAt: acceptedAt))
            if isInMemory { (inMemory, inMemoryBytes) = (inMemory + 1, inMemoryBytes + bytes) }
        }

        mutating func remove(at index: Int) {
            if case .memory = pending[index].storage { (inMemory, inMemoryBytes) = (inMemory - 1, inMemoryBytes - pending[index].bytes) }
            pending.remove(at: index)
        }
    }

    private let state = Mutex(State())
    private let spoolFolder = Mutex<EnvelopeSpool?>(nil)
    /// At most this many envelopes, of at most this many payload bytes together, wait in memory, with a spool or
    /// without (one that cannot be written keeps them in memory); the oldest in memory are dropped for a newer one.
    private let memoryLimit: Int
    private let memoryByteLimit: Int

    init(memoryLimit: Int, memoryByteLimit: Int = .max) {
        self.memoryLimit = max(1, memoryLimit)
        self.memoryByteLimit = max(1, memoryByteLimit)
    }

    // MARK: Reading

    var isDrained: Bool { state.withLock { $0.isDrained } }
    var isSpooling: Bool { state.withLock { $0.spooling } }
    /// The envelope to send next, oldest first.
    var head: Pending? { state.withLock { $0.pending.first } }

    var statistics: HTTPTransport.Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.queued = state.pending.count + state.inStream
            statistics.spoolFiles = state.spoolFiles
            statistics.spoolBytes = state.spoolBytes
            return statistics
        }
    }

    // MARK: Changes

    /// Takes over a spool and queues what an earlier run left in it, oldest first.
    func adopt(_ spool: EnvelopeSpool) {
        spoolFolder.withLock { $0 = spool }
        state.withLock { state in
            for file in spool.files { state.append(.spooled(file), bytes: 0, acceptedAt: EnvelopeSpool.writtenAt(file) ?? Date()) }
            state.spooling = true
            (state.spoolFiles, state.spoolBytes) = (spool.files.count, spool.totalBytes)
        }
    }

    /// Runs `body` on the spool under its own lock, then copies its size into the bookkeeping.
    private func withSpool<T>(_ body: (inout EnvelopeSpool) throws -> T) rethrows -> T? {
        let outcome = try spoolFolder.withLock { spool -> (T, Int, Int)? in
            guard spool != nil else { return nil }
            let result = try body(&spool!)
            return (result, spool!.files.count, spool!.totalBytes)
        }
        guard let (result, files, bytes) = outcome else { return nil }
        state.withLock { (state: inout State) in (state.spoolFiles, state.spoolBytes) = (files, bytes) }
        return result
    }

    /// An envelope was yielded to the intake stream.
    func entering() {
        state.withLock { $0.inStream += 1 }
    }

    /// An envelope yielded to the intake stream will never arrive (the stream dropped it, or had ended).
    func lostOnTheWay() {
        change { $0.inStream -= 1 }
    }

    /// Writes an envelope's bytes to the spool. Returns nil when there is no spool.
    func spool(_ bytes: [UInt8]) throws -> (stored: EnvelopeSpool.File?, evicted: [EnvelopeSpool.Eviction])? {
        try withSpool { try $0.append(bytes) }
    }

    /// An envelope arrived from the intake stream: queues it (`nil` when it was neither kept in memory nor spooled;
    /// `bytes`, its payload bytes when kept in memory), and forgets the spool files deleted to make room for it.
    /// Returns the envelopes dropped to stay under the memory limits, oldest first: the oldest in memory (the one being
    /// sent included: its send finishes, and its removal finds nothing), or the newcomer alone when it is larger than
    /// the byte limit by itself.
    func arrived(_ storage: Pending.Storage?, bytes: Int = 0, evicted: [EnvelopeSpool.File], at now: Date = Date()) -> [Envelope] {
        change { state in
            state.inStream -= 1
            if !evicted.isEmpty {
                // Spooled entries only: the in-memory count stays as it is.
                state.pending.removeAll { if case .spooled(let file) = $0.storage { evicted.contains(file) } else { false } }
            }
            guard let storage else { return [] }
            if case .memory(let envelope) = storage, bytes > memoryByteLimit { return [envelope] }
            state.append(storage, bytes: bytes, acceptedAt: now)
            var dropped: [Envelope] = []
            while state.inMemory > memoryLimit || state.inMemoryBytes > memoryByteLimit {
                guard let index = state.pending.firstIndex(where: { if case .memory = $0.storage { true } else { false } }),
                    case .memory(let oldest) = state.pending[index].storage
                else { break }
                state.remove(at: index)
                dropped.append(oldest)
            }
            return dropped
        }
    }

    /// Reads a spooled envelope's bytes.
    func read(_ file: EnvelopeSpool.File) throws -> [UInt8] {
        try spoolFolder.withLock { spool in
            guard let spool else { throw CocoaError(.fileNoSuchFile) }
            return try spool.read(file)
        }
    }

    /// Delivered or dropped: removes it (and its spool file).
    func finish(_ pending: Pending) {
        // The file first: once the entry is gone the queue may look drained, and a flush may return.
        if case .spooled(let file) = pending.storage { withSpool { $0.remove(file) } }
        change { state in
            guard let index = state.pending.firstIndex(where: { $0.id == pending.id }) else { return }
            state.remove(at: index)
        }
    }

    /// At shutdown: without a spool, what is left in memory is lost; returns it for counting. With a spool it stays
    /// there for the next start, and nothing is returned.
    func abandon() -> [Envelope] {
        change { state in
            guard !state.spooling else { return [] }
            defer {
                state.pending.removeAll()
                (state.inMemory, state.inMemoryBytes) = (0, 0)
            }
            return state.pending.compactMap { if case .memory(let envelope) = $0.storage { envelope } else { nil } }
        }
    }

    /// At the very end: lets go of the spool, and so of its folder's lock, for the next process to take over what is
    /// left in it.
    func releaseSpool() {
        spoolFolder.withLock { $0 = nil }
    }

    func recordSuccess(at date: Date) {
        state.withLock { state in
            state.statistics.sentEnvelopes += 1
            state.statistics.lastSuccess = date
            state.statistics.lastError = nil
        }
    }

    func recordFailure(_ reason: String) {
        state.withLock { state in
            state.statistics.failedAttempts += 1
            state.statistics.lastError = reason
        }
    }

    // MARK: Waiting

    /// Returns once nothing is queued, in memory, in the spool or on its way in (or when cancelled).
    func drained() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.cancelledWaiters.remove(id) != nil || state.isDrained { return true }
                    state.drainWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let continuation = state.drainWaiters.removeValue(forKey: id) { return continuation }
                state.cancelledWaiters.insert(id)
                return nil
            }
            waiting?.resume()
        }
    }

    /// Runs a change that can empty the queue, then wakes the waiters if it did (outside the lock).
    private func change<T>(_ body: (inout State) -> T) -> T {
        let (result, waiters) = state.withLock { state -> (T, [CheckedContinuation<Void, Never>]) in
            let result = body(&state)
            guard state.isDrained, !state.drainWaiters.isEmpty else { return (result, []) }
            defer { state.drainWaiters.removeAll() }
            return (result, Array(state.drainWaiters.values))
        }
        for waiter in waiters { waiter.resume() }
        return result
    }
}
