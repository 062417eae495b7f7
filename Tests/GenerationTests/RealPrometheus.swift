import Foundation
import Testing
import TestSupport

/// A real Prometheus started by a test: the configuration it is given, a data folder in `directory`, a port on
/// 127.0.0.1 that it picks itself (it is started on port 0 and the port is read back). Stopped by PID (``stop()``, or
/// SIGKILL when the test forgets).
struct RealPrometheus {
    let process: ServiceProcess
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    /// Where the configuration is written, so that ``reload(_:)`` can replace it.
    let configurationFile: URL

    /// Starts Prometheus and returns once it listens. A configuration that must name Prometheus's own address (it
    /// scrapes itself, say) is given to ``reload(_:)`` once ``port`` is known.
    static func start(directory: URL, configuration: String, arguments: [String] = []) async throws -> RealPrometheus {
        let folder = directory.appendingPathComponent("prometheus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("prometheus.yml")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = try ServiceProcess.external("prometheus", arguments: [
            "--config.file=\(file.path)", "--storage.tsdb.path=\(folder.appendingPathComponent("tsdb").path)",
            "--web.listen-address=127.0.0.1:0", "--log.level=warn",
        ] + arguments)
        return RealPrometheus(process: process, port: try await process.waitForListeningPort(), configurationFile: file)
    }

    /// Replaces the configuration and tells Prometheus to read it again (SIGHUP). The caller waits for what the new
    /// configuration changes (a target up, say), which is when the reload has taken effect.
    func reload(_ configuration: String) throws {
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        process.signal(SIGHUP)
    }

    /// The first sample of an instant query's answer; nil when there is none (or Prometheus does not answer yet).
    func query(_ promql: String) async throws -> Double? { try await Self.query(url, promql) }

    /// The same, from any Prometheus at `url` (one a script started, say).
    static func query(_ url: String, _ promql: String) async throws -> Double? {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        guard let reply = try? await call(.GET, "\(url)/api/v1/query?query=\(encoded)"),
            let data = reply.json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any], let text = value.last as? String
        else { return nil }
        return Double(text)
    }

    func stop() async throws {
        process.signal(SIGTERM)
        _ = try await process.waitForExit()
    }
}
