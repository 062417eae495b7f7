import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport

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
        /// Output streams read to their end (0, 1 or 2): after exit, what the process wrote may still be in the pipes.
        let drained = Mutex(0)
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

    /// Starts one of the package's executables.
    convenience init(_ name: String, arguments: [String] = [], environment: [String: String]) throws {
        let executable = Self.binDirectory.appendingPathComponent(name)
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "\(executable.path) is missing: run `swift build` first (scripts/test.sh does)"
        )
        try self.init(name: name, executable: executable, arguments: arguments, environment: environment)
    }

    /// Starts a program found on PATH (a real Prometheus, say).
    static func external(_ program: String, arguments: [String]) throws -> ServiceProcess {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(program) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        let executable = try #require(path, "\(program) is not installed (scripts/test.sh installs it)")
        return try ServiceProcess(name: program, executable: executable, arguments: arguments, environment: [:])
    }

    init(name: String, executable: URL, arguments: [String], environment: [String: String]) throws {
        self.name = name
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
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
                if data.isEmpty {
                    buffers.drained.withLock { $0 += 1 }
                    break
                }
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
                if data.isEmpty {
                    buffers.drained.withLock { $0 += 1 }
                    break
                }
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

    /// Waits for a JSON log record whose message is `message`. The timeout only guards against a hang (see
    /// ``eventually(timeout:_:)``): a loaded machine may take long, and the test waits.
    func waitForLog(_ message: String, timeout: Duration = TestTimeouts.hangGuard) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let record = logRecords.first(where: { $0["message"] as? String == message }) { return record }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(name) never logged \"\(message)\"; output:\n\(lines.joined(separator: "\n"))\n\(standardError)")
        throw CancellationError()
    }

    /// The port a server bound (it was started with port 0), from its "… listening" log line.
    func waitForPort(_ message: String = "HTTP server listening") async throws -> Int {
        let record = try await waitForLog(message)
        return try #require(Int(record["port"] as? String ?? ""))
    }

    /// The port a program started on port 0 listens on, read from /proc once it has bound it (for programs that do not
    /// log it: Prometheus, Alertmanager, aiosmtpd). The program must listen on exactly one TCP port.
    func waitForListeningPort(timeout: Duration = TestTimeouts.hangGuard) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            if let port = TestPorts.listening(pid: pid).first { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(name) never listened; output:\n\(lines.joined(separator: "\n"))\n\(standardError)")
        throw CancellationError()
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit and returns its status (killing it, and failing the test, if it hangs).
    func waitForExit(timeout: Duration = TestTimeouts.hangGuard) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(name) did not exit within \(timeout); killed")
        }
        process.waitUntilExit()
        // The exit does not wait for our readers: let them reach the end of both pipes, so that `lines` and
        // `standardError` hold everything the process wrote. (A child that inherited the pipes could hold them open:
        // none of ours forks, and the wait is bounded all the same.)
        let drainDeadline = min(deadline, ContinuousClock.now + .seconds(30))
        while buffers.drained.withLock({ $0 }) < 2, ContinuousClock.now < drainDeadline { try await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }

    /// A fresh temporary folder for one test's database and files.
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The environment the process tests run the executables with: any free port, a database in `directory`, JSON logs
    /// (parsed by ``waitForLog(_:timeout:)``), a fast generator that never fails, no in-process prober (its requests
    /// would mix with the test's own; ProberProcessTests turns it on), and `extra` on top.
    static func environment(directory: URL, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "LOOKOUT_HTTP_PORT": "0", "LOOKOUT_DATABASE_URL": "sqlite://\(directory.path)/lookout.sqlite", "LOOKOUT_LOG_FORMAT": "json",
            "LOOKOUT_GENERATOR_MIN_LATENCY_MS": "0", "LOOKOUT_GENERATOR_MAX_LATENCY_MS": "20", "LOOKOUT_GENERATOR_FAILURE_RATE": "0",
            "LOOKOUT_WORKER_METRICS_PORT": "0", "LOOKOUT_PROBER_ENABLED": "false",
        ].merging(extra) { $1 }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
