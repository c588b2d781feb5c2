/// Where whole outgoing messages go. The stdio transport's single writer is the real one;
/// tests collect messages in memory.
public protocol MessageOutput: Sendable {
    /// One complete JSON message (no framing); must never interleave with another.
    func send(_ body: [UInt8])
}

extension OutputChannel: MessageOutput {
    public func send(_ body: [UInt8]) {
        body.withUnsafeBytes { send($0) }
    }
}
