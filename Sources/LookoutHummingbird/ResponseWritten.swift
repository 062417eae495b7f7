import Hummingbird
import NIOCore
import Synchronization

extension Response {
    /// Calls `written` with the body's size once the body has been written, so that an observer times and sizes what
    /// the client got rather than what the handler returned.
    ///
    /// A body whose length is known (a buffer, an empty body: nearly every API answer) goes out in one buffered
    /// write, so `written` is called at once and the body is left as it is (wrapping it would cost Hummingbird's
    /// one-write fast path on every request). A streamed body (length unknown) is wrapped: its bytes are counted as
    /// they are written and `written` is called after the last one, or when writing fails (a client that went away).
    public consuming func whenWritten(_ written: @escaping @Sendable (_ bytes: Int) -> Void) -> Response {
        if let length = body.contentLength {
            written(length)
            return self
        }
        let original = body
        body = ResponseBody { writer in
            let counted = ByteCount()
            do {
                try await original.write(writer.map { buffer in
                    counted.add(buffer.readableBytes)
                    return buffer
                })
            } catch {
                written(counted.total)
                throw error
            }
            written(counted.total)
        }
        return self
    }
}

/// Bytes written so far, shared by the writer's mapping closure and the body's end.
private final class ByteCount: Sendable {
    private let bytes = Atomic<Int>(0)
    func add(_ count: Int) { bytes.add(count, ordering: .relaxed) }
    var total: Int { bytes.load(ordering: .relaxed) }
}
