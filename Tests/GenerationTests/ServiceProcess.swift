import Foundation
import Synchronization
import Testing

/// One of the package's executables (`backend`, `worker`) running as a real child process, with its output captured.
final class ServiceProcess: Sendable {
    let name: String
    private let process: Process
    private let buffers = Buffers()

    /// Captured output, shared with the pipes' handlers.
    private final class Buffers: Sendable {
        let lines = Mutex<[String]>([])
        let partialLine = Mutex<String>("")
        let standardError = Mutex<String>("")
    }

    /// Where `swift build` put the executables: `$SWIFT_BIN_PATH`, else next to the running test bundle.
    static var binDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SWIFT_BIN_PATH"] { return URL(fileURLWithPath: override) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("backend").path) { return directory }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug").standardized
    }

    init(_ name: String, environment: [String: String]) throws {
        self.name = name
        let executable = Self.binDirectory.appendingPathComponent(name)
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "\(executable.path) is missing: run `swift build` first (scripts/test.sh does)"
        )
        process = Process()
        process.executableURL = executable
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOOKOUT_") }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Blocking reads on threads of their own until EOF. (FileHandle.readabilityHandler races with pipe teardown
        // inside libdispatch on Linux and can crash the test process.)
        let buffers = self.buffers
        let out = stdout.fileHandleForReading
        Thread {
            while true {
                let data = out.availableData
                if data.isEmpty { break }
                let chunk = String(decoding: data, as: UTF8.self)
                let lines: [String] = buffers.partialLine.withLock { partial in
                    partial += chunk
                    var complete = partial.components(separatedBy: "\n")
                    partial = complete.removeLast()
                    return complete
                }
                buffers.lines.withLock { $0.append(contentsOf: lines) }
            }
        }.start()
        let err = stderr.fileHandleForReading
        Thread {
            while true {
                let data = err.availableData
                if data.isEmpty { break }
                buffers.standardError.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }.start()
    }

    var lines: [String] { buffers.lines.withLock { $0 } }
    var standardError: String { buffers.standardError.withLock { $0 } }
    var pid: Int32 { process.processIdentifier }

    /// Log lines parsed as JSON objects (the process runs with `LOOKOUT_LOG_FORMAT=json`).
    var logRecords: [[String: Any]] {
        lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Waits for a JSON log record whose message is `message`.
    func waitForLog(_ message: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let record = logRecords.first(where: { $0["message"] as? String == message }) { return record }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(name) never logged \"\(message)\"; output:\n\(lines.joined(separator: "\n"))\n\(standardError)")
        throw CancellationError()
    }

    /// The port the HTTP server bound (it was started with port 0).
    func waitForPort() async throws -> Int {
        let record = try await waitForLog("HTTP server listening")
        return try #require(Int(record["port"] as? String ?? ""))
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(name) did not exit within \(timeout); killed")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
