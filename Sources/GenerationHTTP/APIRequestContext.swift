import HTTPTypes
import Hummingbird
import NIOCore
import Logging

/// The request context of every Lookout route.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `X-Request-ID` when it is well formed, else one we generated.
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? "unknown"
    }
}
