import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded folder of envelopes waiting for Sentry, so that they survive an outage and a restart of the process.
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

    let directory: URL
    let maxBytes: Int
    private(set) var files: [File] = []
    /// The sum of `files`' sizes, kept as they come and go.
    private(set) var totalBytes = 0
    private var sequence = 0

    /// Opens (creating if needed) the folder and lists what an earlier run left, deleting unfinished temporary files.
    init(directory: String, maxBytes: Int) throws {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.maxBytes = maxBytes
        let manager = FileManager.default
        try manager.createDirectory(at: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in try manager.contentsOfDirectory(atPath: directory).sorted() {
            let url = self.directory.appendingPathComponent(name)
            if name.hasSuffix(".tmp") {
                try? manager.removeItem(at: url)
            } else if name.hasSuffix(".envelope") {
                let size = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                files.append(File(name: name, size: size))
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
