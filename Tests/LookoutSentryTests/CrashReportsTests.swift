import Foundation
import Logging
@testable import LookoutSentry
import Testing
import TestSupport

/// The Swift backtracer's JSON crash logs, turned into fatal events at the next start.
@Suite struct CrashReportsTests {
    @Test(arguments: [
        ("enable=yes,format=json,output-to=/var/lib/lookout/crashes,interactive=no", "/var/lib/lookout/crashes"),
        ("format=json, output-to=/tmp/c", "/tmp/c"),
        ("enable=no,format=json,output-to=/tmp/c", nil),
        ("enable=yes,output-to=/tmp/c", nil),
        ("enable=yes,format=text,output-to=/tmp/c", nil),
        ("enable=yes,format=json,output-to=stderr", nil),
        ("", nil),
    ] as [(String, String?)])
    func theFolderIsWhereTheBacktracerWritesJSON(setting: String, folder: String?) {
        #expect(CrashReports(swiftBacktrace: setting)?.directory == folder)
    }

    /// A crash log as the backtracer of Swift 6.3 writes it (trimmed: registers and captured memory left out).
    static let crashLog = """
        { "timestamp": "2026-12-02T14:07:28.615778Z", "kind": "crashReport", "description": "Illegal instruction",
          "faultAddress": "0x00007f125916df7f", "platform": "Linux", "architecture": "x86_64",
          "threads": [ { "name": "main", "crashed": false, "frames": [ { "kind": "programCounter", "address": "0x0000000000000001" } ] },
                       { "name": "NIO-ELT-0-#1", "crashed": true, "frames": [
            { "kind": "programCounter", "address": "0x00007f125916df7f", "symbol": "$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtFySRys5UInt8VGXEfU_yAMXEfU_", "offset": 623, "description": "closure #1 in closure #1 in _assertionFailure(_:_:file:line:flags:) + 623", "image": "libswiftCore.so" },
            { "kind": "returnAddress", "address": "0x00005603058c800d", "symbol": "$s13GenerationApp10CrashRouteO5crashs5NeverOyFZ", "offset": 108, "description": "static CrashRoute.crash() + 108", "image": "backend", "sourceLocation": { "file": "/src/Sources/GenerationApp/CrashRoute.swift", "line": 6, "column": 9 } },
            { "kind": "returnAddress", "address": "0x00005603058c7f13", "symbol": "$s13GenerationApp15ServiceAssemblyV14crashEndpointsyyF", "offset": 66, "description": "closure #1 in ServiceAssembly.crashEndpoints.getter + 66", "image": "backend" },
            { "kind": "omittedFrames", "count": 3 },
            { "kind": "truncated" } ] } ],
          "omittedImages": 12,
          "images": [ { "name": "backend", "buildId": "c017b20e748bcc6949e85e40096eb3f488fb19b4", "path": "/usr/local/bin/backend", "baseAddress": "0x00005603058c7000", "endOfText": "0x00005603058c82f8" },
                      { "name": "libswiftCore.so", "buildId": "b521f25fdeacf504eca83d97c7308e8fc11be729", "path": "/usr/lib/swift/linux/libswiftCore.so", "baseAddress": "0x00007f1259000000", "endOfText": "0x00007f12595d2d40" } ],
          "backtraceTime": 0.02 }
        """

    static func client() -> (SentryClient, CollectingSink) {
        var options = SentryOptions(dsn: try! DSN("http://key@127.0.0.1:9/1"))
        options.release = "lookout@crash"
        let sink = CollectingSink()
        return (SentryClient(options: options, sink: sink), sink)
    }

    @Test func eachCrashLogIsSentOnceAsAFatalUnhandledEventAndDeleted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crashes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(Self.crashLog.utf8).write(to: folder.appendingPathComponent("crash-123-0.0.json"))
        try Data("{ not json".utf8).write(to: folder.appendingPathComponent("crash-124-0.0.json"))
        let (client, sink) = Self.client()
        let reports = CrashReports(directory: folder.path)
        #expect(reports.sendPending(client: client, logger: Logger(label: "test")).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["crash-124-0.0.json.unreadable"], "sent is deleted, unreadable is kept aside")
        #expect(reports.sendPending(client: client, logger: Logger(label: "test")).isEmpty, "never twice")
        #expect(sink.envelopes.count == 1)

        // A log another process claimed is its own, unless the claim is stale (that process died while sending).
        let claimed = folder.appendingPathComponent("crash-125-0.0.json.claimed")
        try Data(Self.crashLog.utf8).write(to: claimed)
        #expect(reports.sendPending(client: client, logger: Logger(label: "test")).isEmpty, "a live claim is left alone")
        #expect(reports.sendPending(client: client, logger: Logger(label: "test"), now: Date() + 601).count == 1, "a stale one is taken over")
        #expect(!FileManager.default.fileExists(atPath: claimed.path))

        let event = try #require(try JSONSerialization.jsonObject(with: Data(sink.envelopes[0].items[0].payload)) as? [String: Any])
        #expect(event["level"] as? String == "fatal")
        #expect(abs((event["timestamp"] as? Double ?? 0) - 1_796_220_448.615778) < 0.001, "the crash's time, not the report's")
        #expect(event["release"] as? String == "lookout@crash")
        #expect(event["threads"] == nil, "no stack of the process that reports it")
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "SIGILL")
        #expect(exception["value"] as? String == "Illegal instruction in static CrashRoute.crash()")
        #expect((exception["mechanism"] as? [String: Any])?["handled"] as? Bool == false)
        let frames = try #require((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]])
        #expect(frames.count == 3, "the crashed thread's frames, not the markers")
        let top = try #require(frames.last { $0["in_app"] as? Bool == true })
        #expect(top["function"] as? String == "static CrashRoute.crash()")
        #expect(top["module"] as? String == "GenerationApp")
        #expect(top["lineno"] as? Int == 6)
        #expect(frames.last?["module"] as? String == "Swift" && frames.last?["in_app"] as? Bool == false)
        let images = try #require((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]])
        #expect(images.contains { $0["code_id"] as? String == "c017b20e748bcc6949e85e40096eb3f488fb19b4" && $0["code_file"] as? String == "/usr/local/bin/backend" })
    }

    @Test(.integration("sentry-relay in .venv"))
    func relaysNormaliserAcceptsTheCrashEvent() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crashes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(Self.crashLog.utf8).write(to: folder.appendingPathComponent("crash-1.json"))
        let (client, sink) = Self.client()
        CrashReports(directory: folder.path).sendPending(client: client, logger: Logger(label: "test"))
        let normalized = try await SentryCheck.normalized(try #require(sink.envelopes.first))
        #expect(normalized["level"] as? String == "fatal")
        let exception = try #require(((normalized["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(((exception["stacktrace"] as? [String: Any])?["frames"] as? [Any])?.count == 3)
    }
}
