import Foundation

/// A bounded folder of envelopes waiting for Sentry, so that they survive an outage and a restart of the process.
///
/// One file per envelope, named so that names sort oldest first across restarts (wall-clock nanoseconds, then a
/// sequence number). Files are written to a temporary name and renamed, so a crash never leaves half an envelope under
/// a real name. When the folder would grow past `maxBytes`, the oldest envelopes are deleted and counted as
/// `cache_overflow`. Used by one task at a time (the transport's), so it needs no lock of its own.
struct EnvelopeSpool {
    struct File: Equatable {
        var name: String
        var size: Int
    }

    let directory: URL
    let maxBytes: Int
    private(set) var files: [File] = []
    private var sequence = 0

    /// Opens (creating if needed) the folder and lists what an earlier run left, deleting unfinished temporary files.
    init(directory: String, maxBytes: Int) throws {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.maxBytes = maxBytes
        let manager = FileManager.default
        try manager.createDirectory(at: self.directory, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: directory).sorted() {
            let url = self.directory.appendingPathComponent(name)
            if name.hasSuffix(".tmp") {
                try? manager.removeItem(at: url)
            } else if name.hasSuffix(".envelope") {
                let size = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                files.append(File(name: name, size: size))
            }
        }
    }

    var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

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
            evicted.append(Eviction(file: file, bytes: (try? Array(Data(contentsOf: url(of: file)))) ?? []))
        }
        sequence += 1
        let nanoseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000_000))
        let name = String(repeating: "0", count: max(0, 20 - String(nanoseconds).count)) + String(nanoseconds)
            + "-" + String(format: "%06d", sequence % 1_000_000) + ".envelope"
        let temporary = directory.appendingPathComponent(name + ".tmp")
        try Data(bytes).write(to: temporary)
        try FileManager.default.moveItem(at: temporary, to: directory.appendingPathComponent(name))
        for eviction in evicted { try? FileManager.default.removeItem(at: url(of: eviction.file)) }
        let file = File(name: name, size: bytes.count)
        files.append(file)
        return (file, evicted)
    }

    func read(_ file: File) throws -> [UInt8] {
        Array(try Data(contentsOf: url(of: file)))
    }

    mutating func remove(_ file: File) {
        files.removeAll { $0 == file }
        try? FileManager.default.removeItem(at: url(of: file))
    }

    func contains(_ file: File) -> Bool { files.contains(file) }

    private func url(of file: File) -> URL { directory.appendingPathComponent(file.name) }
}
