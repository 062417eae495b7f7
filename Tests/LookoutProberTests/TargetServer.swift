import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import TestSupport

/// A local server for the prober to check: healthy, slow, wrong or absent on demand, over HTTP or HTTPS.
///
/// Routes: `GET /ok` (`{"status":"ok"}`), `GET /degraded` (`{"status":"degraded"}`, 200), `GET /slow?ms=N`,
/// `GET /fail` (503), `POST /login` (`{"token":"t0k"}`), `GET /me` (200 with `Authorization: Bearer t0k`, else 401),
/// `GET /probe-mark` (the `X-Lookout-Probe` header it got, in `{"mark":…}`, empty when none).
///
/// It listens on a port the system picks when started; until then its port is one that refuses every connection.
final class TargetServer: Sendable {
    var port: Int { boundPort.withLock { $0 } }
    private let boundPort = Mutex(TestPorts.refusing)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init() {}

    var base: String { "http://127.0.0.1:\(port)" }

    static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/ok") { _, _ in json(#"{"status":"ok","checks":{"database":{"status":"up"}}}"#) }
        router.get("/degraded") { _, _ in json(#"{"status":"degraded"}"#) }
        router.get("/fail") { _, _ in Response(status: .serviceUnavailable) }
        router.get("/slow") { request, _ in
            let ms = request.uri.queryParameters.get("ms").flatMap { Int($0) } ?? 500
            try await Task.sleep(for: .milliseconds(ms))
            return json(#"{"status":"ok"}"#)
        }
        router.post("/login") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            let text = String(buffer: body)
            return text.contains("\"secret\"") ? json(#"{"token":"t0k"}"#) : Response(status: .unauthorized)
        }
        router.get("/me") { request, _ in
            request.headers[.authorization] == "Bearer t0k" ? json(#"{"email":"probe@example.com"}"#) : Response(status: .unauthorized)
        }
        router.get("/probe-mark") { request, _ in
            let mark = request.headers[HTTPField.Name("X-Lookout-Probe")!] ?? ""
            return json(#"{"mark":""# + mark + #""}"#)
        }
        return router
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Starts serving (HTTPS when `certificate` is given) and returns once it listens.
    func start(certificate: SelfSignedCertificate? = nil) async throws {
        let running = AsyncStream<Int>.makeStream()
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        let listening: @Sendable (any Channel) async -> Void = { running.continuation.yield($0.localAddress?.port ?? 0) }
        let logger = ScriptedSentryServer.quietLogger
        let service: any Service
        if let certificate {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate.certificatePath).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificate.keyPath, format: .pem))
            )
            tls.minimumTLSVersion = .tlsv12
            service = Application(
                router: Self.router(), server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                onServerRunning: listening, logger: logger
            )
        } else {
            service = Application(router: Self.router(), configuration: configuration, onServerRunning: listening, logger: logger)
        }
        task.withLock { $0 = Task { try await ServiceGroup(services: [service], gracefulShutdownSignals: [], logger: logger).run() } }
        var iterator = running.stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        boundPort.withLock { $0 = port }
    }

    func stop() async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        _ = await running?.result
    }
}

/// A certificate for 127.0.0.1 made by `openssl`, valid for `days` from now; it is its own CA (pass it as `ca_file`).
struct SelfSignedCertificate {
    let directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    init(days: Int) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let result = try await Subprocess.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            directory.appendingPathComponent("key.pem").path, "-out", directory.appendingPathComponent("cert.pem").path, "-days", "\(days)",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw CertificateError() }
    }

    struct CertificateError: Error {}
}
