/// Writes message bodies in the peer's framing.
public enum FrameEncoder {
    /// Appends `body` framed as `framing` to `buffer`. NDJSON assumes the body holds no raw
    /// newline, which holds for compact JSON.
    @inlinable
    public static func encode(_ body: some Collection<UInt8>, framing: Framing, into buffer: inout [UInt8]) {
        switch framing {
        case .lsp:
            appendLSPHeader(length: body.count, into: &buffer)
            buffer.append(contentsOf: body)
        case .ndjson:
            buffer.append(contentsOf: body)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    /// Returns `body` framed as `framing`.
    @inlinable
    public static func encode(_ body: some Collection<UInt8>, framing: Framing) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(body, framing: framing, into: &buffer)
        return buffer
    }

    /// Formats the length without String to keep the per-message cost to a few appends.
    @inlinable
    static func appendLSPHeader(length: Int, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "Content-Length: ".utf8)
        let digitsStart = buffer.count
        var n = length
        repeat {
            buffer.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10))
            n /= 10
        } while n > 0
        buffer[digitsStart...].reverse()
        buffer.append(contentsOf: "\r\n\r\n".utf8)
    }
}
