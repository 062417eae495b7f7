import Foundation
import LookoutBacktrace
@testable import LookoutSentry
import Testing
import TestSupport

/// An error that records where it was made, as an application's own errors do.
struct LedgerMismatch: Error, BacktraceCarrying, CustomStringConvertible {
    var account: String
    var backtrace = CapturedBacktrace.here()
    var description: String { "ledger of \(account) is off by 12500 at 1764680000123" }
}

@inline(never) func reconcileAccount() throws { throw LedgerMismatch(account: "usr_6f1c2a9e0b7d4e3f") }
@inline(never) func reconcileBooks() throws { try reconcileAccount() }
@inline(never) func runNightlyAudit() throws { try reconcileBooks() }

/// Where the error was made, by Sentry's stack trace interface, checked by Relay's normaliser.
@Suite struct StacktraceTests {
    static let dsn = try! DSN("http://key@127.0.0.1:9/1")

    static func client(_ configure: (inout SentryOptions) -> Void = { _ in }) -> (SentryClient, CollectingSink) {
        var options = SentryOptions(dsn: dsn)
        options.inApp = InAppRule(include: ["LookoutSentryTests"])
        configure(&options)
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink), sink)
    }

    static func payload(_ envelope: Envelope) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(envelope.items[0].payload)) as? [String: Any])
    }

    static func frames(_ stacktrace: Any?) -> [[String: Any]] {
        (stacktrace as? [String: Any])?["frames"] as? [[String: Any]] ?? []
    }

    @Test func anErrorThrownThreeCallsDeepCarriesItsFramesInnermostLast() throws {
        let (client, sink) = Self.client { $0.inApp.sourceLocations = true }
        do { try runNightlyAudit() } catch { client.capture(error: error) }
        let event = try Self.payload(try #require(sink.envelopes.first))
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        let frames = Self.frames(exception["stacktrace"])
        let inApp = frames.filter { $0["in_app"] as? Bool == true }.compactMap { $0["function"] as? String }
        // Sentry's order: outermost first, so the function that made the error is the last in-app frame.
        let calls = inApp.filter { ["runNightlyAudit()", "reconcileBooks()", "reconcileAccount()"].contains($0) }
        #expect(calls == ["runNightlyAudit()", "reconcileBooks()", "reconcileAccount()"], "\(inApp)")
        #expect(inApp.last == "reconcileAccount()", "no frame of the capture itself on top: \(inApp)")
        let top = try #require(frames.last { $0["function"] as? String == "reconcileAccount()" })
        #expect(top["module"] as? String == "LookoutSentryTests")
        #expect(top["filename"] as? String == "StacktraceTests.swift")
        let caller = try #require(frames.last { $0["function"] as? String == "reconcileBooks()" })
        #expect(caller["lineno"] as? Int == 15, "the line of the call, from the binary's debug info")

        // By default no files and lines (they cost a DWARF lookup): names, modules and addresses only.
        let (plain, plainSink) = Self.client()
        do { try runNightlyAudit() } catch { plain.capture(error: error) }
        let plainEvent = try Self.payload(try #require(plainSink.envelopes.first))
        let plainException = try #require(((plainEvent["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        let plainFrames = Self.frames(plainException["stacktrace"])
        #expect(plainFrames.last { $0["in_app"] as? Bool == true }?["function"] as? String == "reconcileAccount()")
        #expect(plainFrames.allSatisfy { $0["lineno"] == nil && $0["abs_path"] == nil })
        #expect((top["instruction_addr"] as? String)?.hasPrefix("0x") == true)
        // The test runner's own frames are below ours, and are not the application's.
        #expect(frames.contains { $0["module"] as? String == "Testing" && $0["in_app"] as? Bool == false }, "\(frames.compactMap { $0["module"] as? String })")
    }

    @Test func theImagesLetSentrySymbolicateFromDebugFiles() throws {
        let (client, sink) = Self.client()
        do { try runNightlyAudit() } catch { client.capture(error: error) }
        let event = try Self.payload(try #require(sink.envelopes.first))
        let images = try #require((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]])
        let executable = try #require(images.first { ($0["code_file"] as? String) == CommandLine.executablePathForTests }, "\(images)")
        #expect(executable["type"] as? String == "elf")
        let codeID = try #require(executable["code_id"] as? String)
        #expect(codeID.count >= 32 && codeID.allSatisfy(\.isHexDigit))
        let debugID = try #require(executable["debug_id"] as? String)
        #expect(UUID(uuidString: debugID) != nil, "\(debugID)")
        #expect((executable["image_addr"] as? String)?.hasPrefix("0x") == true)
        #expect((executable["image_size"] as? Int ?? 0) > 0)
    }

    @Test func aBuildIDBecomesTheDebugIDSentryDerivesFromIt() {
        // The GUID's first three fields are little-endian: sentry-cli and symbolicator swap them the same way.
        let buildID: [UInt8] = [0x7c, 0xd0, 0x66, 0x9f, 0xc8, 0xec, 0x6c, 0xa8, 0x6d, 0x8a, 0x97, 0x83, 0x21, 0xec, 0x34, 0xc0, 0x43, 0x5c, 0x3a, 0x20]
        #expect(SentryStacktrace.debugID(buildID) == "9f66d07c-ecc8-a86c-6d8a-978321ec34c0")
        #expect(SentryStacktrace.debugID([0x01, 0x02]) == "00000201-0000-0000-0000-000000000000", "short ids are padded")
    }

    @Test func idsLeaveTheValueForExtraSoThatOneBugIsOneIssue() throws {
        let (client, sink) = Self.client()
        do { try runNightlyAudit() } catch { client.capture(error: error) }
        let event = try Self.payload(try #require(sink.envelopes.first))
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["value"] as? String == "ledger of <id> is off by <n> at <n>")
        #expect((event["extra"] as? [String: Any])?["exception_value"] as? String == "ledger of usr_6f1c2a9e0b7d4e3f is off by 12500 at 1764680000123")
    }

    @Test(arguments: [
        ("request 550e8400-e29b-41d4-a716-446655440000 failed", "request <uuid> failed"),
        ("object 0x7f3a9c00d2e0 is gone", "object <hex> is gone"),
        ("HTTP 502 from payment-provider-error", "HTTP 502 from payment-provider-error"),
        ("payment-provider-error: the provider answered 503", "payment-provider-error: the provider answered 503"),
        ("job 48213 of gen_0c9d8e7f6a5b failed", "job <n> of <id> failed"),
        ("deadbeef", "deadbeef"),
    ])
    func parameterizing(value: String, expected: String) throws {
        let (client, sink) = Self.client()
        client.capture(event: SentryEvent(exceptions: [SentryException(type: "E", value: value)]))
        let event = try Self.payload(try #require(sink.envelopes.first))
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["value"] as? String == expected)
    }

    @Test func anErrorWithoutItsOwnBacktraceGetsTheCapturingThreadsStackOnly() throws {
        struct Plain: Error {}
        let (client, sink) = Self.client()
        client.capture(error: Plain())
        let event = try Self.payload(try #require(sink.envelopes.first))
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["stacktrace"] == nil, "where it was caught is not where it was made")
        #expect(exception["type"] as? String == "StacktraceTests.Plain", "no build-specific (unknown context at $…) in the type")
        let thread = try #require(((event["threads"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(thread["current"] as? Bool == true)
        let functions = Self.frames(thread["stacktrace"]).compactMap { $0["function"] as? String }
        #expect(functions.last?.contains("anErrorWithoutItsOwnBacktraceGetsTheCapturingThreadsStackOnly") == true, "\(functions.suffix(3))")

        let (quiet, quietSink) = Self.client { $0.attachStacktrace = false }
        quiet.capture(error: Plain())
        #expect(try Self.payload(try #require(quietSink.envelopes.first))["threads"] == nil)
    }

    @Test func frameModulesComeFromTheMangledName() {
        #expect(CapturedBacktrace.module(ofSymbol: "$s13LookoutSentry0B6ClientC7capture5error7handled5level9mechanismSSSgs5Error_p_SbAA0B5LevelOSStF") == "LookoutSentry")
        #expect(CapturedBacktrace.module(ofSymbol: "$sSS5countSivg") == "Swift")
        #expect(CapturedBacktrace.module(ofSymbol: "main") == nil)
        #expect(CapturedBacktrace.module(ofSymbol: "$s") == nil)
        #expect(CapturedBacktrace.module(ofSymbol: "$s99Short") == nil)
    }

    @Test(.integration("sentry-relay in .venv"))
    func relaysNormaliserKeepsTheFramesAndImages() async throws {
        let (client, sink) = Self.client()
        do { try runNightlyAudit() } catch { client.capture(error: error) }
        let normalized = try await SentryCheck.normalized(try #require(sink.envelopes.first))
        let exception = try #require(((normalized["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(Self.frames(exception["stacktrace"]).contains { $0["function"] as? String == "reconcileAccount()" })
        #expect(((normalized["debug_meta"] as? [String: Any])?["images"] as? [Any])?.isEmpty == false)
        #expect(((normalized["threads"] as? [String: Any])?["values"] as? [Any])?.count == 1)
    }
}

extension CommandLine {
    /// The test binary's path, as the process's image list names it.
    static var executablePathForTests: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0] }
}
