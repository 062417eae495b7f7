import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A one-shot HTTP/1.1 client that times each phase of a request, as blackbox_exporter does: every request resolves,
/// connects and (for HTTPS) shakes hands anew, because that is what a new visitor pays and what breaks in an outage.
///
/// It does not follow redirects, reads at most `maxBodyBytes` of the body for assertions (the rest is read and
/// discarded), and reports the server certificate's expiry.
public final class HTTPProbeClient: Sendable {
    /// A request resolved from a ``ProbeStep``: variables substituted, URL absolute.
    public struct Request: Sendable {
        public var url: URL
        public var method: String
        public var headers: [(name: String, value: String)]
        public var body: String?
        public var timeout: Duration
        public var tls: TLSSettings

        public init(url: URL, method: String = "GET", headers: [(name: String, value: String)] = [], body: String? = nil, timeout: Duration = .seconds(5), tls: TLSSettings = .init()) {
            self.url = url
            self.method = method
            self.headers = headers
            self.body = body
            self.timeout = timeout
            self.tls = tls
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        public var phases: [ProbePhase: Double]
        /// The server certificate's `notAfter` (HTTPS only).
        public var certificateExpiry: Date?
    }

    /// A request that got no complete answer; `reason` is the probe failure it stands for.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var reason: ProbeFailureReason
        public var description: String
        public var phases: [ProbePhase: Double] = [:]
        public var certificateExpiry: Date?
    }

    /// The `User-Agent` every probe sends, so that access logs can tell probes from users. The service trusts only the
    /// secret header (``ProbeRunner/probeHeader``): anyone can send a `User-Agent`.
    public static let userAgent = "Lookout-Prober/1"

    let group: any EventLoopGroup
    let maxBodyBytes: Int
    private let contexts = Mutex<[TLSKey: NIOSSLContext]>([:])

    private struct TLSKey: Hashable {
        var caFile: String?
        var insecure: Bool
    }

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxBodyBytes: Int = 1 << 20) {
        self.group = group
        self.maxBodyBytes = maxBodyBytes
    }

    public func execute(_ request: Request) async throws(Failure) -> Response {
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = request.url.host, !host.isEmpty else {
            throw Failure(reason: .invalid, description: "\(request.url) is not an http:// or https:// URL with a host")
        }
        let secure = scheme == "https"
        let port = request.url.port ?? (secure ? 443 : 80)
        let started = NIODeadline.now()
        let deadline = started + TimeAmount(request.timeout)

        // Resolve (off the event loop: getaddrinfo blocks).
        // An IP literal needs no resolution and gets no TLS server name (SNI is for host names only).
        let literal = try? SocketAddress(ipAddress: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
        let address: SocketAddress
        var phases: [ProbePhase: Double] = [:]
        do {
            if let literal {
                address = literal
            } else {
                address = try await Self.resolver.runIfActive { try SocketAddress.makeAddressResolvingHost(host, port: port) }
            }
        } catch {
            throw Failure(reason: .resolve, description: "could not resolve \(host): \(error)")
        }
        let resolved = NIODeadline.now()
        phases[.resolve] = Self.seconds(resolved - started)
        if resolved >= deadline { throw Failure(reason: .timeout, description: "resolving \(host) took longer than the timeout", phases: phases) }

        let sslContext: NIOSSLContext?
        if secure {
            do { sslContext = try context(for: request.tls) } catch { throw Failure(reason: .tls, description: "TLS set-up failed: \(error)", phases: phases) }
        } else {
            sslContext = nil
        }

        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let head = Self.head(for: request, host: host, port: port, secure: secure)
        let body = request.body.map { Array($0.utf8) }
        let maxBodyBytes = self.maxBodyBytes
        let serverHostname = literal == nil ? host : nil
        let connectStarted = NIODeadline.now()
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(deadline - connectStarted)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(
                        ResponseCollector(
                            head: head, body: body, secure: secure, maxBodyBytes: maxBodyBytes, connectStarted: connectStarted,
                            phases: phases, promise: promise
                        )
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(error)
            if case ChannelError.connectTimeout = error {
                throw Failure(reason: .timeout, description: "connecting to \(host):\(port) took longer than the timeout", phases: phases)
            }
            throw Failure(reason: .connect, description: "could not connect to \(host):\(port): \(error)", phases: phases)
        }
        let timeout = eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(Failure(reason: .timeout, description: "no complete answer within \(request.timeout)", phases: phases))
            channel.close(promise: nil)
        }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        do {
            return try await promise.futureResult.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: .invalid, description: "\(error)", phases: phases)
        }
    }

    private func context(for settings: TLSSettings) throws -> NIOSSLContext {
        let key = TLSKey(caFile: settings.caFile, insecure: settings.insecureSkipVerify)
        if let existing = contexts.withLock({ $0[key] }) { return existing }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if settings.insecureSkipVerify { configuration.certificateVerification = .none }
        if let caFile = settings.caFile {
            configuration.additionalTrustRoots = [.file(caFile)]
        }
        let context = try NIOSSLContext(configuration: configuration)
        contexts.withLock { $0[key] = context }
        return context
    }

    private static func head(for request: Request, host: String, port: Int, secure: Bool) -> HTTPRequestHead {
        var path = request.url.path.isEmpty ? "/" : request.url.path
        if let query = request.url.query { path += "?" + query }
        var headers = HTTPHeaders()
        let defaultPort = secure ? 443 : 80
        headers.add(name: "Host", value: port == defaultPort ? host : "\(host):\(port)")
        headers.add(name: "User-Agent", value: userAgent)
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Connection", value: "close")
        for header in request.headers { headers.replaceOrAdd(name: header.name, value: header.value) }
        if let body = request.body {
            headers.replaceOrAdd(name: "Content-Length", value: "\(body.utf8.count)")
            if !headers.contains(name: "Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
        }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.uppercased()), uri: path, headers: headers)
    }

    /// getaddrinfo blocks, so it runs here: a pool of the prober's own, so that other work on NIO's shared pool cannot
    /// delay a resolution (and inflate the measured resolve phase).
    private static let resolver: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    static func seconds(_ amount: TimeAmount) -> Double { Double(amount.nanoseconds) / 1e9 }
}

/// Sends the request once the connection (and TLS) is up, then collects the answer and the phase timings.
private final class ResponseCollector: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPClientRequestPart

    let head: HTTPRequestHead
    let body: [UInt8]?
    let secure: Bool
    let maxBodyBytes: Int
    let connectStarted: NIODeadline
    var phases: [ProbePhase: Double]
    let promise: EventLoopPromise<HTTPProbeClient.Response>

    var mark: NIODeadline
    var status = 0
    var responseHeaders: [(name: String, value: String)] = []
    var received: [UInt8] = []
    var certificateExpiry: Date?

    init(
        head: HTTPRequestHead, body: [UInt8]?, secure: Bool, maxBodyBytes: Int, connectStarted: NIODeadline, phases: [ProbePhase: Double],
        promise: EventLoopPromise<HTTPProbeClient.Response>
    ) {
        self.head = head
        self.body = body
        self.secure = secure
        self.maxBodyBytes = maxBodyBytes
        self.connectStarted = connectStarted
        self.phases = phases
        self.promise = promise
        self.mark = connectStarted
    }

    private func lap(_ phase: ProbePhase) {
        let now = NIODeadline.now()
        phases[phase] = HTTPProbeClient.seconds(now - mark)
        mark = now
    }

    func channelActive(context: ChannelHandlerContext) {
        lap(.connect)
        if !secure { send(context: context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            lap(.tls)
            if let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate() {
                certificateExpiry = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
            }
            send(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func send(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            lap(.processing)
            status = Int(responseHead.status.code)
            responseHeaders = responseHead.headers.map { ($0.name, $0.value) }
        case .body(var buffer):
            let room = maxBodyBytes - received.count
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { received += bytes }
        case .end:
            lap(.transfer)
            promise.succeed(
                HTTPProbeClient.Response(status: status, headers: responseHeaders, body: received, phases: phases, certificateExpiry: certificateExpiry)
            )
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: ProbeFailureReason = (error is NIOSSLError || error is BoringSSLError) ? .tls : .invalid
        let what = reason == .tls ? "TLS handshake failed" : "the answer could not be read"
        promise.fail(HTTPProbeClient.Failure(reason: reason, description: "\(what): \(error)", phases: phases, certificateExpiry: certificateExpiry))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(
            HTTPProbeClient.Failure(
                reason: status == 0 ? .connect : .invalid, description: "the server closed the connection before a complete answer",
                phases: phases, certificateExpiry: certificateExpiry
            )
        )
        context.fireChannelInactive()
    }
}
