/// One result of decoding: a message body, or a framing problem the stream recovered from.
public enum FrameEvent: Sendable, Equatable {
    case frame([UInt8])
    case error(FramingError)
}
