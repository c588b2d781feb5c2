import Testing

@testable import JSONRPC

/// Inputs found by the fuzz targets (fuzz/, issue 7), each kept as a test with the fix.
/// The raw fuzz inputs are in fuzz/corpus/frame-decoder/regress-*.
@Suite struct FrameDecoderFuzzRegressionTests {
    /// fuzz-frame-decoder, differential property: an over-long NDJSON line whose CR and LF arrived
    /// in different reads was reported one byte larger than the same line read in one piece (the
    /// skipped CR was counted as part of the line, since the LF no longer saw it in the buffer).
    @Test func oversizedLineSizeDoesNotDependOnWhereCRLFIsSplit() {
        let input = "[1]\nabcdef\r\n[2]\n"
        let expected: [FrameEvent] = [
            frame("[1]"),
            .error(
                FramingError(
                    kind: .messageTooLarge(size: 6),
                    message: "line of 6 bytes at byte 4 exceeds the limit of 3 bytes (--max-message-bytes); skipped",
                    byteOffset: 4)),
            frame("[2]"),
        ]
        #expect(decodeAll(input, mode: .ndjson, maxMessageBytes: 3) == expected)
        #expect(decodeAll(input, mode: .ndjson, maxMessageBytes: 3, chunks: [1]) == expected)
        let bytes = Array(input.utf8)
        for split in 0...bytes.count {
            #expect(decodeAll(bytes, mode: .ndjson, maxMessageBytes: 3, chunks: [split, bytes.count]) == expected, "split at \(split)")
        }
    }

    /// The same at end of input: a trailing CR is not part of the line, as for lines within the limit.
    @Test func oversizedFinalLineWithTrailingCR() {
        for chunks in [nil, [1], [7, 1], [6, 2]] as [[Int]?] {
            #expect(
                kinds(decodeAll("[1]\nabcdef\r", mode: .ndjson, maxMessageBytes: 3, chunks: chunks))
                    == ["frame:[1]", "error:messageTooLarge(size: 6)"], "chunks \(String(describing: chunks))")
        }
    }

    /// The raw fuzz input: mode ndjson, limit 0, fed one byte at a time.
    @Test func fuzzInputOversizedLinesWithCRs() {
        let stream: [UInt8] = [0x00, 0x0A, 0x0C, 0x0D, 0x41, 0x05, 0x21, 0x0D, 0x0D, 0x0D, 0x0A, 0xC9, 0x21]
        let whole = decodeAll(stream, mode: .ndjson, maxMessageBytes: 0)
        #expect(kinds(whole) == ["error:messageTooLarge(size: 1)", "error:messageTooLarge(size: 7)", "error:messageTooLarge(size: 2)"])
        #expect(decodeAll(stream, mode: .ndjson, maxMessageBytes: 0, chunks: [1]) == whole)
    }
}
