import Foundation

/// A program run to completion by a test.
public struct SubprocessResult: Sendable {
    public var status: Int32
    /// Standard output (and standard error, when merged).
    public var output: String
}

/// Runs programs (promtool, amtool, chromium, openssl) without blocking Swift concurrency's threads: the wait happens on
/// a thread of its own. (On two cores the cooperative pool has two threads; a test blocked in `waitUntilExit` there
/// starves every in-process server of the other tests, whose requests then time out.)
public enum Subprocess {
    /// - Parameter input: bytes written to the program's standard input (then closed); none by default.
    public static func run(_ arguments: [String], input: Data? = nil, mergeStandardError: Bool = true, timeout: TimeInterval = 120) async throws -> SubprocessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = mergeStandardError ? pipe : FileHandle.nullDevice
                let inputPipe = Pipe()
                process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                if let input {
                    // Written from another thread so that a program producing output before reading all its input
                    // cannot deadlock with us.
                    Thread.detachNewThread {
                        inputPipe.fileHandleForWriting.write(input)
                        try? inputPipe.fileHandleForWriting.close()
                    }
                }
                // A program that hangs is ended, so that the test fails instead of hanging.
                let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                watchdog.cancel()
                continuation.resume(returning: SubprocessResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self)))
            }
        }
    }
}
