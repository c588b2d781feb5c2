import Testing

@testable import JSONRPC

/// Feeds `input` in the given chunk sizes (cycled), draining after every feed, then finishes.
func decodeAll(_ input: [UInt8], mode: FramingMode, maxMessageBytes: Int = 16 << 20, chunks: [Int]? = nil) -> [FrameEvent] {
    var decoder = FrameDecoder(mode: mode, maxMessageBytes: maxMessageBytes)
    var events: [FrameEvent] = []
    var offset = 0
    var k = 0
    while offset < input.count {
        let size = chunks.map { $0[k % $0.count] } ?? input.count
        k += 1
        let end = min(input.count, offset + max(1, size))
        decoder.feed(Array(input[offset..<end]))
        offset = end
        while let event = decoder.next() { events.append(event) }
    }
    events += decoder.finish()
    return events
}

func decodeAll(_ input: String, mode: FramingMode, maxMessageBytes: Int = 16 << 20, chunks: [Int]? = nil) -> [FrameEvent] {
    decodeAll(Array(input.utf8), mode: mode, maxMessageBytes: maxMessageBytes, chunks: chunks)
}

func frame(_ text: String) -> FrameEvent { .frame(Array(text.utf8)) }

func lsp(_ body: String) -> String { "Content-Length: \(body.utf8.count)\r\n\r\n\(body)" }

/// Small deterministic generator so random chunkings are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func kinds(_ events: [FrameEvent]) -> [String] {
    events.map {
        switch $0 {
        case .frame(let bytes): return "frame:" + String(decoding: bytes, as: UTF8.self)
        case .error(let error): return "error:\(error.kind)"
        }
    }
}

@Suite struct FrameDecoderLSPTests {
    @Test func contentLengthCountsBytesOfMultiByteUTF8() {
        let bodies = [#"{"a":"é"}"#, #"{"b":"😀😀"}"#, #"{"c":"日本語"}"#]
        let input = bodies.map(lsp).joined()
        #expect(lsp(bodies[1]).hasPrefix("Content-Length: 16\r\n"))
        #expect(decodeAll(input, mode: .lsp) == bodies.map(frame))
    }

    @Test func everyChunkBoundaryGivesTheSameFrames() {
        let bodies = [#"{"a":"é"}"#, "", #"{"emoji":"😀"}"#, String(repeating: "x", count: 300)]
        let input = Array(
            (bodies.map(lsp).joined() + "\r\n" + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + lsp("{}")).utf8)
        let expected = (bodies + ["{}"]).map(frame)
        #expect(decodeAll(input, mode: .lsp) == expected)
        #expect(decodeAll(input, mode: .lsp, chunks: [1]) == expected)
        #expect(decodeAll(input, mode: .auto, chunks: [1]) == expected)
        // Two chunks, split at every position.
        for split in 0...input.count {
            var decoder = FrameDecoder(mode: .lsp)
            var events: [FrameEvent] = []
            decoder.feed(Array(input[..<split]))
            while let e = decoder.next() { events.append(e) }
            decoder.feed(Array(input[split...]))
            while let e = decoder.next() { events.append(e) }
            events += decoder.finish()
            #expect(events == expected, "split at \(split)")
        }
        var rng = SplitMix64(state: 42)
        for _ in 0..<200 {
            let chunks = (0..<8).map { _ in Int.random(in: 1...40, using: &rng) }
            #expect(decodeAll(input, mode: .lsp, chunks: chunks) == expected, "chunks \(chunks)")
        }
    }

    @Test func headerNamesAreCaseInsensitive() {
        let input = "content-length: 2\r\n\r\n{}CONTENT-LENGTH: 3\r\n\r\n[1]Content-length:4\r\n\r\n[12]"
        #expect(decodeAll(input, mode: .lsp) == [frame("{}"), frame("[1]"), frame("[12]")])
    }

    @Test func contentTypeAndUnknownHeadersAreTolerated() {
        let input =
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\nX-Trace: abc\r\n\r\n{}"
            + "X-Empty:\r\nContent-Length:   3   \r\n\r\n[1]"
        #expect(decodeAll(input, mode: .lsp) == [frame("{}"), frame("[1]")])
    }

    @Test func bareLineFeedsAreAccepted() {
        let input = "Content-Length: 2\n\n{}Content-Type: x\nContent-Length: 3\n\n[1]"
        #expect(decodeAll(input, mode: .lsp) == [frame("{}"), frame("[1]")])
        #expect(decodeAll(input, mode: .lsp, chunks: [1]) == [frame("{}"), frame("[1]")])
    }

    @Test func strayBlankLinesBetweenMessagesAreSkipped() {
        let input = "\r\n\r\n" + lsp("{}") + "\r\n\n\r\n  \t\r\n" + lsp("[1]") + "\n"
        #expect(decodeAll(input, mode: .lsp) == [frame("{}"), frame("[1]")])
    }

    @Test func missingContentLengthIsReportedThenDecodingContinues() {
        let input = "Foo: bar\r\nContent-Type: x\r\n\r\n{\"lost\":1}" + lsp(#"{"ok":1}"#)
        let events = decodeAll(input, mode: .lsp)
        #expect(
            events == [
                .error(
                    FramingError(
                        kind: .missingContentLength,
                        message:
                            "expected a 'Content-Length: N' header before the blank line ending the header block at byte 0; got headers 'Foo: bar', 'Content-Type: x'; message skipped",
                        byteOffset: 0)),
                frame(#"{"ok":1}"#),
            ])
        // The same when the next message starts on its own line, and byte by byte.
        let spaced = "Foo: bar\r\n\r\n{\"lost\":1}\r\n" + lsp(#"{"ok":1}"#)
        #expect(kinds(decodeAll(spaced, mode: .lsp, chunks: [1])) == ["error:missingContentLength", #"frame:{"ok":1}"#])
    }

    @Test func nonNumericContentLengthIsReportedThenDecodingContinues() {
        let input = "Content-Length: abc\r\n\r\n{\"lost\":1}" + lsp("[2]")
        #expect(
            decodeAll(input, mode: .lsp) == [
                .error(
                    FramingError(
                        kind: .invalidContentLength,
                        message:
                            "invalid Content-Length 'abc' in the header block at byte 0: expected a non-negative decimal byte count; message skipped",
                        byteOffset: 0)),
                frame("[2]"),
            ])
    }

    @Test func negativeContentLengthIsReportedThenDecodingContinues() {
        let input = lsp("[1]") + "Content-Length: -5\r\n\r\n{\"lost\":1}\n" + lsp("[2]")
        let events = decodeAll(input, mode: .lsp)
        #expect(
            events == [
                frame("[1]"),
                .error(
                    FramingError(
                        kind: .invalidContentLength,
                        message:
                            "invalid Content-Length '-5' in the header block at byte 24: expected a non-negative decimal byte count; message skipped",
                        byteOffset: 24)),
                frame("[2]"),
            ])
        #expect(decodeAll(input, mode: .lsp, chunks: [1]) == events)
    }

    @Test func conflictingAndOverflowingContentLengths() {
        let input = "Content-Length: 2\r\nContent-Length: 3\r\n\r\n[1]" + "Content-Length: 99999999999999999999\r\n\r\n" + lsp("{}")
        #expect(kinds(decodeAll(input, mode: .lsp)) == ["error:invalidContentLength", "error:invalidContentLength", "frame:{}"])
    }

    @Test func garbageIsReportedOnceThenResynchronizesAtTheNextHeader() {
        let input = #"{"jsonrpc":"2.0","id":1}"# + "\r\nmore junk\r\n\r\n" + lsp("[1]")
        let events = decodeAll(input, mode: .lsp)
        #expect(
            events == [
                .error(
                    FramingError(
                        kind: .garbage,
                        message:
                            #"expected a header line such as 'Content-Length: N' at byte 0; got '{"jsonrpc":"2.0","id":1}\r'; skipped up to the next header"#,
                        byteOffset: 0)),
                frame("[1]"),
            ])
        // Fed byte by byte the quoted snippet is shorter (garbage is reported as soon as it is
        // recognized), but the events are the same.
        #expect(kinds(decodeAll(input, mode: .lsp, chunks: [1])) == kinds(events))
    }

    @Test func garbageRunningIntoTheNextHeaderWithoutNewline() {
        // A body longer than its Content-Length spills into the next message's header.
        let input = "Content-Length: 5\r\n\r\n{\"id\":1}" + lsp("[2]") + lsp("[3]")
        let events = decodeAll(input, mode: .lsp)
        #expect(kinds(events) == [#"frame:{"id""#, "error:garbage", "frame:[2]", "frame:[3]"])
        #expect(kinds(decodeAll(input, mode: .lsp, chunks: [1])) == kinds(events))
        #expect(kinds(decodeAll(input, mode: .lsp, chunks: [3, 7])) == kinds(events))
    }

    @Test func binaryGarbageThenValidMessage() {
        var input: [UInt8] = [0x00, 0xFF, 0xFE, 0x80, 0x0A, 0x01, 0x02, 0x0D, 0x0A, 0xC3]
        var rng = SplitMix64(state: 7)
        input += (0..<5000).map { _ in UInt8.random(in: 0x80...0xFF, using: &rng) }
        input += Array(("\n" + lsp(#"{"after":"garbage"}"#)).utf8)
        let events = decodeAll(input, mode: .lsp, chunks: [1000])
        #expect(
            events == [
                .error(
                    FramingError(
                        kind: .garbage,
                        message:
                            #"expected a header line such as 'Content-Length: N' at byte 0; got '\x00\xFF\xFE\x80'; skipped up to the next header"#,
                        byteOffset: 0)),
                frame(#"{"after":"garbage"}"#),
            ])
    }

    @Test func overlongHeaderLineIsGarbage() {
        let input = "X-Long: " + String(repeating: "a", count: 10_000) + "\r\n\r\n" + lsp("{}")
        let events = decodeAll(input, mode: .lsp, chunks: [512])
        #expect(
            events == [
                .error(
                    FramingError(
                        kind: .garbage,
                        message: "header block at byte 0 exceeds 8192 bytes without ending in a blank line; skipped up to the next header",
                        byteOffset: 0)),
                frame("{}"),
            ])
    }

    @Test func oversizedMessageIsSkippedWithBoundedMemory() {
        let limit = 1000
        let big = "[" + String(repeating: "7", count: 5000) + "]"
        let input = Array((lsp("[1]") + lsp(big) + lsp("[2]")).utf8)
        var decoder = FrameDecoder(mode: .lsp, maxMessageBytes: limit)
        var events: [FrameEvent] = []
        var maxBuffered = 0
        for start in stride(from: 0, to: input.count, by: 100) {
            decoder.feed(Array(input[start..<min(input.count, start + 100)]))
            maxBuffered = max(maxBuffered, decoder.bufferedByteCount)
            while let e = decoder.next() { events.append(e) }
        }
        events += decoder.finish()
        #expect(
            events == [
                frame("[1]"),
                .error(
                    FramingError(
                        kind: .messageTooLarge(size: 5002),
                        message: "message of 5002 bytes at byte 24 exceeds the limit of 1000 bytes (--max-message-bytes); skipped",
                        byteOffset: 24)),
                frame("[2]"),
            ])
        #expect(maxBuffered <= limit + 100)
        // One byte at a time, too.
        #expect(decodeAll(input, mode: .lsp, maxMessageBytes: limit, chunks: [1]) == events)
    }

    @Test func messageExactlyAtTheLimitIsDecoded() {
        #expect(decodeAll(lsp("[12]"), mode: .lsp, maxMessageBytes: 4) == [frame("[12]")])
        #expect(kinds(decodeAll(lsp("[123]"), mode: .lsp, maxMessageBytes: 4)) == ["error:messageTooLarge(size: 5)"])
    }

    @Test func truncatedBodyAtEndOfInput() {
        let input = "Content-Length: 500\r\n\r\n" + String(repeating: "x", count: 120)
        #expect(
            decodeAll(input, mode: .lsp, chunks: [7]) == [
                .error(
                    FramingError(
                        kind: .truncated,
                        message: "message truncated by end of input: expected 500 bytes of body, got 120",
                        byteOffset: 23))
            ])
    }

    @Test func truncatedHeaderAtEndOfInput() {
        #expect(
            decodeAll(lsp("{}") + "Content-Length: 5\r\n", mode: .lsp) == [
                frame("{}"),
                .error(
                    FramingError(
                        kind: .truncated,
                        message: "message truncated by end of input: header block at byte 23 has no terminating blank line",
                        byteOffset: 23)),
            ])
        #expect(kinds(decodeAll("Content-Len", mode: .lsp)) == ["error:truncated"])
    }

    @Test func whitespaceAtEndOfInputIsNothing() {
        #expect(decodeAll(lsp("{}") + "\r\n \n", mode: .lsp) == [frame("{}")])
        #expect(decodeAll("  \r\n", mode: .auto) == [])
        #expect(decodeAll("", mode: .auto) == [])
    }

    @Test func zeroLengthBody() {
        #expect(decodeAll("Content-Length: 0\r\n\r\n" + lsp("{}"), mode: .lsp) == [.frame([]), frame("{}")])
    }

    @Test func errorOffsetsCountTheWholeStreamAcrossCompaction() {
        // Many messages force the buffer to compact; offsets must still be absolute.
        let filler = String(repeating: lsp(#"{"k":"v"}"#), count: 500)
        let input = filler + "Content-Length: x\r\n\r\n"
        let events = decodeAll(input, mode: .lsp, chunks: [333])
        #expect(events.count == 501)
        let offset = filler.utf8.count
        #expect(
            events.last
                == .error(
                    FramingError(
                        kind: .invalidContentLength,
                        message:
                            "invalid Content-Length 'x' in the header block at byte \(offset): expected a non-negative decimal byte count; message skipped",
                        byteOffset: offset)))
    }
}

@Suite struct FrameDecoderNDJSONTests {
    @Test func linesWithCRLFBlankLinesAndFinalLineWithoutNewline() {
        let input = "{\"a\":1}\r\n\r\n   \n[2]\n\n{\"é\":\"😀\"}\r\n{\"last\":true}"
        let expected = [frame(#"{"a":1}"#), frame("[2]"), frame(#"{"é":"😀"}"#), frame(#"{"last":true}"#)]
        #expect(decodeAll(input, mode: .ndjson) == expected)
        #expect(decodeAll(input, mode: .ndjson, chunks: [1]) == expected)
        #expect(decodeAll(input, mode: .auto, chunks: [2, 5]) == expected)
    }

    @Test func finalLineWithTrailingCR() {
        #expect(decodeAll("[1]\n[2]\r", mode: .ndjson) == [frame("[1]"), frame("[2]")])
    }

    @Test func oversizedLineIsSkippedWithBoundedMemory() {
        let limit = 1000
        let big = "[" + String(repeating: "7", count: 5000) + "]"
        let input = Array("[1]\n\(big)\n[2]\n\(big)".utf8)
        var decoder = FrameDecoder(mode: .ndjson, maxMessageBytes: limit)
        var events: [FrameEvent] = []
        var maxBuffered = 0
        for start in stride(from: 0, to: input.count, by: 64) {
            decoder.feed(Array(input[start..<min(input.count, start + 64)]))
            maxBuffered = max(maxBuffered, decoder.bufferedByteCount)
            while let e = decoder.next() { events.append(e) }
        }
        events += decoder.finish()
        #expect(
            events == [
                frame("[1]"),
                .error(
                    FramingError(
                        kind: .messageTooLarge(size: 5002),
                        message: "line of 5002 bytes at byte 4 exceeds the limit of 1000 bytes (--max-message-bytes); skipped",
                        byteOffset: 4)),
                frame("[2]"),
                .error(
                    FramingError(
                        kind: .messageTooLarge(size: 5002),
                        message: "line of 5002 bytes at byte 5011 exceeds the limit of 1000 bytes (--max-message-bytes); skipped",
                        byteOffset: 5011)),
            ])
        #expect(maxBuffered <= limit + 64 + 1)
        #expect(decodeAll(input, mode: .ndjson, maxMessageBytes: limit, chunks: [1]) == events)
        // Arriving in one piece, the line is judged as a whole.
        #expect(decodeAll(input, mode: .ndjson, maxMessageBytes: limit) == events)
    }
}

@Suite struct FrameDecoderAutoTests {
    @Test func braceMeansNDJSON() {
        var decoder = FrameDecoder(mode: .auto)
        #expect(decoder.framing == nil)
        decoder.feed(Array("{\"a\":1}\n".utf8))
        #expect(decoder.next() == frame(#"{"a":1}"#))
        #expect(decoder.framing == .ndjson)
    }

    @Test func bracketMeansNDJSON() {
        #expect(decodeAll("[1,2]\n[3]", mode: .auto) == [frame("[1,2]"), frame("[3]")])
    }

    @Test func leadingWhitespaceIsSkippedBeforeDeciding() {
        var decoder = FrameDecoder(mode: .auto)
        decoder.feed(Array(" \r\n\t ".utf8))
        #expect(decoder.next() == nil)
        #expect(decoder.framing == nil)
        decoder.feed(Array("{}\n".utf8))
        #expect(decoder.next() == frame("{}"))
        #expect(decoder.framing == .ndjson)
        #expect(decodeAll("\r\n\r\n" + lsp("{}"), mode: .auto) == [frame("{}")])
    }

    @Test func contentLengthMeansLSP() {
        var decoder = FrameDecoder(mode: .auto)
        decoder.feed(Array("C".utf8))
        #expect(decoder.next() == nil)
        #expect(decoder.framing == .lsp)
        decoder.feed(Array("ontent-Length: 2\r\n\r\n{}".utf8))
        #expect(decoder.next() == frame("{}"))
    }

    @Test func anythingElseMeansLSPAndIsGarbageThere() {
        #expect(kinds(decodeAll("hello\n" + lsp("{}"), mode: .auto)) == ["error:garbage", "frame:{}"])
    }

    @Test func explicitModesDoNotDetect() {
        #expect(kinds(decodeAll("[1]\n", mode: .lsp)) == ["error:garbage"])
        #expect(decodeAll(lsp("{}"), mode: .ndjson) == [frame("Content-Length: 2"), frame("{}")])
    }
}
