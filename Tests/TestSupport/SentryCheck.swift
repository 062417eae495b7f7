import Foundation
import LookoutSentry
import Testing

/// Runs `scripts/tools/sentry_check.py` on an envelope: sentry-sdk's parser and sentry-relay's normaliser (Sentry's own
/// ingestion code), with the virtualenv scripts/test.sh prepares.
public enum SentryCheck {
    public static var python: String {
        if let configured = ProcessInfo.processInfo.environment["SENTRY_TOOLS_PYTHON"] { return configured }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.venv/bin/python").standardized.path
    }

    public static func check(_ envelope: Envelope) async throws -> (report: [String: Any], raw: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("envelope-\(UUID().uuidString)")
        try Data(envelope.serialized()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/tools/sentry_check.py").standardized
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: scripts/test.sh creates it (pip install sentry-sdk sentry-relay)")
        let result = try await Subprocess.run([Self.python, script.path, file.path])
        let text = result.output
        let data = Data(text.utf8)
        try #require(result.status == 0, "sentry_check.py failed: \(text)")
        return (try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]), text)
    }

    /// The normalised payload of the envelope's only event or transaction, failing the test on any Relay error.
    public static func normalized(_ envelope: Envelope) async throws -> [String: Any] {
        let (report, raw) = try await check(envelope)
        let items = try #require(report["items"] as? [[String: Any]])
        let item = try #require(items.first { ["event", "transaction"].contains($0["type"] as? String) }, "no event in \(raw)")
        #expect(items.allSatisfy { $0["length_ok"] as? Bool == true })
        #expect((item["errors"] as? [Any])?.isEmpty == true, "Relay reported: \(raw)")
        return try #require(item["normalized"] as? [String: Any])
    }
}
