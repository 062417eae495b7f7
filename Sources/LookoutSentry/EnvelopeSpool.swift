import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded folder of envelopes waiting for Sentry, so that they survive an outage and a restart of the process.
///
/// Several processes may share the configured folder (the API replicas, the worker and the prober on one volume), so
/// each writes to a folder of its own inside it (`process-<pid>-<random>`), holding an exclusive lock (`flock`) on its
/// `lock` file for as long as it runs. At start a process takes over the envelopes of every sibling folder whose lock
/// is free (its process is gone: stopped, crashed, restarted), moving them into its own and removing the folder, and
/// of envelopes left directly in the shared folder by the single-folder layout; a live process's folder, and its
/// half-written files, are never touched. The size cap is per process.
///
/// One file per envelope, named so that names sort oldest first across restarts (wall-clock nanoseconds, then a
/// sequence number). Files are written to a temporary name, synced and renamed, so a crash or a power cut never leaves
/// half an envelope under a real name; the folder is 0700 and the files 0600 (events carry what users sent). When the folder would grow past `maxBytes`, the oldest envelopes are deleted and counted as
/// `cache_overflow`. Used by one task at a time (the transport's), so it needs no lock of its own.
struct EnvelopeSpool {
    struct File: Equatable {
        var name: String
        var size: Int
    }

    /// This process's own folder, inside the configured one.
    let directory: URL
    let maxBytes: Int
    /// Held while the process runs: the lock that tells other processes this folder is taken.
    private let lock: SpoolLock
    private(set) var files: [File] = []
    /// The sum of `files`' sizes, kept as they come and go.
    private(set) var totalBytes = 0
    private var sequence = 0

    /// Makes (and locks) this process's folder inside `directory`, creating `directory` if needed, and takes over what
    /// stopped processes left there, oldest first.
    init(directory: String, maxBytes: Int) throws {
        let shared = URL(fileURLWithPath: directory, isDirectory: true)
        self.maxBytes = maxBytes
        let manager = FileManager.default
        try manager.createDirectory(at: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Made and locked under a name no other process looks at, then renamed: a sibling never sees it unlocked.
        let name = "process-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let starting = shared.appendingPathComponent(".starting-" + name, isDirectory: true)
        let own = shared.appendingPathComponent(name, isDirectory: true)
        try manager.createDirectory(at: starting, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        guard let lock = SpoolLock(path: starting.appendingPathComponent("lock").path) else { throw WriteError(path: starting.path, code: errno) }
        try manager.moveItem(at: starting, to: own)
        self.directory = own
        self.lock = lock
        // The single-folder layout's leftovers, under a lock of their own so that two starting processes do not both
        // take them; its temporary files may be a live old-layout process's, so they stay.
        if let legacy = SpoolLock(path: shared.appendingPathComponent("legacy.lock").path) {
            withExtendedLifetime(legacy) { adopt(from: shared, removingTemporaryFiles: false) }
        }
        for name in (try? manager.contentsOfDirectory(atPath: shared.path)) ?? [] where name.hasPrefix(".starting-") {
            // A process that died while making its folder: nothing in it but the lock.
            let folder = shared.appendingPathComponent(name, isDirectory: true)
            if let abandoned = SpoolLock(path: folder.appendingPathComponent("lock").path) {
                withExtendedLifetime(abandoned) { try? manager.removeItem(at: folder) }
            }
        }
        for name in (try? manager.contentsOfDirectory(atPath: shared.path)) ?? [] where name.hasPrefix("process-") && name != own.lastPathComponent {
            let sibling = shared.appendingPathComponent(name, isDirectory: true)
            // Taken only when nobody holds its lock: its process is gone.
            guard let orphan = SpoolLock(path: sibling.appendingPathComponent("lock").path) else { continue }
            withExtendedLifetime(orphan) {
                adopt(from: sibling, removingTemporaryFiles: true)
                try? manager.removeItem(at: sibling)
            }
        }
        files.sort { $0.name < $1.name }
    }

    /// Moves the envelopes of `folder` into this process's folder (a rename: the same file system).
    private mutating func adopt(from folder: URL, removingTemporaryFiles: Bool) {
        let manager = FileManager.default
        for name in ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() {
            let url = folder.appendingPathComponent(name)
            if name.hasSuffix(".tmp") {
                if removingTemporaryFiles { try? manager.removeItem(at: url) }
            } else if name.hasSuffix(".envelope") {
                var target = name
                while manager.fileExists(atPath: directory.appendingPathComponent(target).path) { target = "0" + target }
                guard (try? manager.moveItem(at: url, to: directory.appendingPathComponent(target))) != nil else { continue }
                let size = (try? manager.attributesOfItem(atPath: directory.appendingPathComponent(target).path)[.size] as? Int) ?? 0
                files.append(File(name: target, size: size))
                totalBytes += size
            }
        }
    }

    /// An envelope deleted to make room, with its bytes so that the caller can count what it held.
    struct Eviction {
        var file: File
        var bytes: [UInt8]
    }

    /// Stores an envelope's bytes; returns the envelopes deleted to stay under the cap (oldest first), which the caller
    /// counts. An envelope larger than the whole cap is not stored (the caller counts it).
    mutating func append(_ bytes: [UInt8]) throws -> (stored: File?, evicted: [Eviction]) {
        guard bytes.count <= maxBytes else { return (nil, []) }
        var evicted: [Eviction] = []
        while !files.isEmpty, totalBytes + bytes.count > maxBytes {
            let file = files.removeFirst()
            totalBytes -= file.size
            evicted.append(Eviction(file: file, bytes: (try? Array(Data(contentsOf: url(of: file)))) ?? []))
        }
        sequence += 1
        let nanoseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000_000))
        let name = String(repeating: "0", count: max(0, 20 - String(nanoseconds).count)) + String(nanoseconds)
            + "-" + String(format: "%06d", sequence % 1_000_000) + ".envelope"
        let temporary = directory.appendingPathComponent(name + ".tmp")
        try Self.writeSynced(bytes, to: temporary.path)
        try FileManager.default.moveItem(at: temporary, to: directory.appendingPathComponent(name))
        for eviction in evicted { try? FileManager.default.removeItem(at: url(of: eviction.file)) }
        let file = File(name: name, size: bytes.count)
        files.append(file)
        totalBytes += file.size
        return (file, evicted)
    }

    /// A spool file could not be written; `errno` says why.
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String { "cannot write \(path): \(String(cString: strerror(code)))" }
    }

    /// Creates `path` (0600, failing if it exists), writes every byte and syncs it to disk before returning.
    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriteError(path: path, code: errno) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + written, buffer.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, code: errno)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw WriteError(path: path, code: errno) }
    }

    func read(_ file: File) throws -> [UInt8] {
        Array(try Data(contentsOf: url(of: file)))
    }

    mutating func remove(_ file: File) {
        if let index = files.firstIndex(of: file) {
            files.remove(at: index)
            totalBytes -= file.size
        }
        try? FileManager.default.removeItem(at: url(of: file))
    }

    func contains(_ file: File) -> Bool { files.contains(file) }

    /// When a file was written, from its name (wall-clock nanoseconds); nil for a name this spool did not make.
    static func writtenAt(_ file: File) -> Date? {
        guard let prefix = file.name.split(separator: "-").first, prefix.count == 20, let nanoseconds = UInt64(prefix) else { return nil }
        return Date(timeIntervalSince1970: Double(nanoseconds) / 1_000_000_000)
    }

    private func url(of file: File) -> URL { directory.appendingPathComponent(file.name) }
}

/// An exclusive `flock` on a file, held until this is released (the process's end releases it too, however it ends).
final class SpoolLock: Sendable {
    private let descriptor: Int32

    /// Nil when another open file holds the lock (or the file cannot be opened).
    init?(path: String) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
