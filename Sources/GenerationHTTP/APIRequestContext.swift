import HTTPTypes
import Hummingbird
import NIOCore
import Logging

/// The request context of every Lookout route.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `X-Request-ID` when it is well formed, else one we generated.
    public var requestID: String
    /// The connection, asked for its peer only by the routes that limit per client.
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? "unknown"
        self.channel = source.channel
    }

    /// The TCP peer (nil in router tests); behind proxies, ``LookoutHummingbird/ClientAddress`` finds the client.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
