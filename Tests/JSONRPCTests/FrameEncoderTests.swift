import Testing

@testable import JSONRPC

@Suite struct FrameEncoderTests {
    @Test func lspHeaderCountsBytes() {
        #expect(FrameEncoder.encode(Array("{\"é\":1}".utf8), framing: .lsp) == Array("Content-Length: 8\r\n\r\n{\"é\":1}".utf8))
        #expect(FrameEncoder.encode([UInt8](), framing: .lsp) == Array("Content-Length: 0\r\n\r\n".utf8))
        let big = [UInt8](repeating: 0x61, count: 1_234_567)
        #expect(FrameEncoder.encode(big, framing: .lsp).prefix(25) == Array("Content-Length: 1234567\r\n".utf8)[...])
    }

    @Test func ndjsonAppendsNewline() {
        var buffer = Array("x".utf8)
        FrameEncoder.encode(Array("{}".utf8)[...], framing: .ndjson, into: &buffer)
        #expect(buffer == Array("x{}\n".utf8))
    }

    @Test(arguments: [Framing.lsp, .ndjson])
    func roundTripThroughTheDecoder(framing: Framing) {
        let bodies =
            [#"{"jsonrpc":"2.0","id":1,"method":"a"}"#, #"["é","😀"]"#, "{}", #"{"s":"\r\t"}"#]
            .map { Array($0.utf8) } + [Array(repeating: UInt8(ascii: "7"), count: 100_000)]
        var wire: [UInt8] = []
        for body in bodies { FrameEncoder.encode(body, framing: framing, into: &wire) }
        for mode in [FramingMode.auto, framing == .lsp ? .lsp : .ndjson] {
            #expect(decodeAll(wire, mode: mode) == bodies.map { .frame($0) })
            #expect(decodeAll(wire, mode: mode, chunks: [4096, 1, 17]) == bodies.map { .frame($0) })
        }
        var decoder = FrameDecoder(mode: .auto)
        decoder.feed(wire)
        _ = decoder.next()
        #expect(decoder.framing == framing)
    }
}
