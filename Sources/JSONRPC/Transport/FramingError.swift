/// A framing problem. The decoder has already resynchronized when this is reported, so the
/// caller answers it (JSON-RPC error, id null) and keeps reading.
public struct FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Bytes that are not a header line where one was expected (or an over-long header block).
        case garbage
        /// A header block that ended without a `Content-Length` header.
        case missingContentLength
        /// A `Content-Length` that is not a non-negative decimal number, or two that disagree.
        case invalidContentLength
        /// A message body larger than the configured limit; its bytes were skipped.
        case messageTooLarge(size: Int)
        /// End of input inside a header block or a body.
        case truncated
    }

    public var kind: Kind
    /// Says what is wrong, where and what was expected, for a person reading the error reply.
    public var message: String
    /// Offset in the input stream (counted from 0) where the problem starts.
    public var byteOffset: Int

    public init(kind: Kind, message: String, byteOffset: Int) {
        self.kind = kind
        self.message = message
        self.byteOffset = byteOffset
    }

    public var description: String { message }
}
