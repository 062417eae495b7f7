import Logging

/// Sends each line to several handlers (the process's own output and Sentry's), like swift-log's
/// `MultiplexLogHandler`, but keeps the logger's metadata itself and hands it to the handlers with each line.
///
/// The difference is what a metadata change costs, and those happen on every request (Hummingbird sets
/// `hb.request.id`, the request logging middleware swaps it for `request_id`): `MultiplexLogHandler` copies every
/// handler's box and sets the key on each (the text handler re-renders all its metadata each time), which cost a few
/// percent of `GET /health`'s throughput with Sentry on. Here a change is one dictionary write, and the merging
/// happens only for lines that are written.
public struct FanOutLogHandler: LogHandler {
    private var handlers: [any LogHandler]
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(_ handlers: [any LogHandler]) {
        self.handlers = handlers
    }

    /// The lowest of the handlers' levels (each still applies its own); setting it sets every handler's.
    public var logLevel: Logger.Level {
        get { handlers.map(\.logLevel).min() ?? .trace }
        set { for index in handlers.indices { handlers[index].logLevel = newValue } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        event.metadata = merged.isEmpty ? nil : merged
        for handler in handlers where event.level >= handler.logLevel { handler.log(event: event) }
    }
}
