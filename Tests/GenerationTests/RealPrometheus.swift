import Foundation
import Testing

/// A real Prometheus started by a test: the configuration it is given, a data folder in `directory`, a free port on
/// 127.0.0.1. Stopped by PID (``stop()``, or SIGKILL when the test forgets).
struct RealPrometheus {
    let process: ServiceProcess
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    /// The file is written to `directory` as well, so that a test can rewrite it and `POST /-/reload`.
    let configurationFile: URL

    init(directory: URL, configuration: String, port: Int = ServiceProcess.freePort(), arguments: [String] = []) throws {
        configurationFile = directory.appendingPathComponent("prometheus-\(port).yml")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        self.port = port
        let file = configurationFile
        process = try ServiceProcess.external("prometheus", arguments: [
            "--config.file=\(file.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("tsdb-\(port)").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ] + arguments)
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
