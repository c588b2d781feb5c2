import FuzzSupport
import JSONRPC

// libFuzzer options for fuzz/run (paths relative to fuzz/); fuzz/replay uses none of them.
// fuzz-options: -dict=framing.dict -max_len=16384 -use_value_profile=1

// Fuzz target: the framing reader (`FrameDecoder`), which sees every byte a peer writes to stdin.
//
// Input layout (see `FrameFuzzInput`): 4 header bytes choose the mode, the message limit and the
// chunking; the rest is the byte stream. Properties:
//  * never a crash or a hang;
//  * every frame is at most `maxMessageBytes` (the public proxy for the memory bound: the
//    buffer count itself is internal);
//  * differential: the stream fed in one chunk and fed in the fuzzed chunking (1-byte, small,
//    large and mixed chunks, empty feeds, sometimes several feeds before draining) yields the same
//    events: the same frames and the same errors (kind and byte offset; the message text may quote
//    less of a garbage line when less of it has arrived) and the same detected framing;
//  * frames are the input's bytes: ordered, non-overlapping substrings of the stream; error
//    offsets lie within the stream and never go backwards;
//  * NDJSON frames hold no line feed and start with no whitespace;
//  * every frame, framed again by `FrameEncoder`, decodes to itself with no error;
//  * `finish()` resets for a new stream: the stream fed again to the same decoder gives what a
//    fresh decoder of the detected framing gives, offsets shifted by the first stream's length.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FrameFuzzInput(fuzzBytes(data, size))
    checkDecoder(input)
    return 0
}

/// The header: byte 0 the mode (mod 3: auto, lsp, ndjson); byte 1 the limit (0...127 as is,
/// 128...254 in steps of 64 up to 8128, 255 the default 16 MiB); bytes 2-3 the chunking seed.
/// Missing header bytes count as 0. Corpus files are written with this header (see seeds/).
public struct FrameFuzzInput {
    public static let headerSize = 4
    public let mode: FramingMode
    public let maxMessageBytes: Int
    public let seed: UInt64
    public let stream: [UInt8]

    public init(_ bytes: [UInt8]) {
        func byte(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }
        mode = [FramingMode.auto, .lsp, .ndjson][Int(byte(0) % 3)]
        let limit = byte(1)
        switch limit {
        case 0...127: maxMessageBytes = Int(limit)
        case 255: maxMessageBytes = 16 << 20
        default: maxMessageBytes = Int(limit - 127) * 64
        }
        seed = UInt64(byte(2)) << 8 | UInt64(byte(3))
        stream = bytes.count > Self.headerSize ? Array(bytes[Self.headerSize...]) : []
    }
}

/// An event with the message text left out.
enum Event: Equatable, CustomStringConvertible {
    case frame([UInt8])
    case error(FramingError.Kind, offset: Int)

    init(_ event: FrameEvent, shift: Int = 0) {
        switch event {
        case .frame(let bytes): self = .frame(bytes)
        case .error(let error): self = .error(error.kind, offset: error.byteOffset + shift)
        }
    }

    var description: String {
        switch self {
        case .frame(let bytes): "frame(\(bytes.count) bytes: \(escaped(bytes, limit: 80)))"
        case .error(let kind, let offset): "error(\(kind) at \(offset))"
        }
    }
}

struct Decoded {
    var events: [Event] = []
    var framing: Framing?
}

/// Feeds everything at once, drains, finishes.
func decodeWhole(_ stream: [UInt8], mode: FramingMode, maxMessageBytes: Int) -> Decoded {
    var decoder = FrameDecoder(mode: mode, maxMessageBytes: maxMessageBytes)
    return feedChunked(&decoder, stream, chunks: [(stream.count, true)])
}

/// Chunk sizes and whether to drain after each, derived from the seed.
func chunking(_ count: Int, seed: UInt64) -> [(size: Int, drain: Bool)] {
    var rng = SplitMix64(seed: seed)
    let style = seed % 5
    // The decoder rescans an unfinished header line on every read, so tiny reads of a long line
    // cost quadratic time (bounded by the 8 KiB header block limit). Big inputs get coarser small
    // chunks to keep the fuzzer fast; small inputs explore every split.
    let small = max(1, count / 256)
    var chunks: [(Int, Bool)] = []
    var remaining = count
    while remaining > 0 {
        let size: Int
        switch style {
        case 0: size = small
        case 1: size = Int.random(in: small...small * 8, using: &rng)
        case 2: size = Int.random(in: 1...64, using: &rng)
        case 3: size = Int.random(in: 1...max(1, count / 2), using: &rng)
        default:
            // Mixed, with empty feeds now and then.
            switch rng.next() % 4 {
            case 0: size = 0
            case 1: size = small
            case 2: size = Int.random(in: small...small * 16, using: &rng)
            default: size = Int.random(in: 1...512, using: &rng)
            }
        }
        let take = min(size, remaining)
        // Now and then several feeds arrive before the reader drains.
        chunks.append((take, style < 3 || rng.next() % 4 != 0))
        remaining -= take
    }
    return chunks
}

func feedChunked(_ decoder: inout FrameDecoder, _ stream: [UInt8], chunks: [(size: Int, drain: Bool)], shift: Int = 0) -> Decoded {
    var result = Decoded()
    var offset = 0
    stream.withUnsafeBytes { all in
        for (size, drain) in chunks {
            decoder.feed(UnsafeRawBufferPointer(rebasing: all[offset..<offset + size]))
            offset += size
            if drain {
                while let event = decoder.next() { result.events.append(Event(event, shift: shift)) }
            }
        }
    }
    fuzzCheck(offset == stream.count, "chunking covered \(offset) of \(stream.count) bytes")
    result.events += decoder.finish().map { Event($0, shift: shift) }
    result.framing = decoder.framing
    return result
}

func checkDecoder(_ input: FrameFuzzInput) {
    let stream = input.stream
    let limit = input.maxMessageBytes
    let whole = decodeWhole(stream, mode: input.mode, maxMessageBytes: limit)

    // Differential: any chunking gives the same events.
    let chunks = chunking(stream.count, seed: input.seed)
    var decoder = FrameDecoder(mode: input.mode, maxMessageBytes: limit)
    let chunked = feedChunked(&decoder, stream, chunks: chunks)
    if chunked.events != whole.events || chunked.framing != whole.framing {
        fuzzFailure("""
            chunked decoding differs from whole decoding
            mode \(input.mode), maxMessageBytes \(limit), chunks \(chunks.map { "\($0.size)\($0.drain ? "" : "+")" }.joined(separator: " "))
            stream: \(escaped(stream))
            whole (\(String(describing: whole.framing))):
              \(whole.events.map(\.description).joined(separator: "\n  "))
            chunked (\(String(describing: chunked.framing))):
              \(chunked.events.map(\.description).joined(separator: "\n  "))
            """)
    }

    checkEvents(whole, stream: stream, mode: input.mode, limit: limit)

    // finish() resets: the same stream again behaves as on a fresh decoder of the settled framing.
    let settled: FramingMode = switch whole.framing {
    case nil: .auto
    case .lsp?: .lsp
    case .ndjson?: .ndjson
    }
    let fresh = decodeWhole(stream, mode: settled, maxMessageBytes: limit)
    let again = feedChunked(&decoder, stream, chunks: chunks, shift: -stream.count)
    if again.events != fresh.events {
        fuzzFailure("""
            a second stream after finish() differs from a fresh \(settled) decoder (offsets shifted back by \(stream.count))
            stream: \(escaped(stream))
            fresh: \(fresh.events.map(\.description).joined(separator: ", "))
            again: \(again.events.map(\.description).joined(separator: ", "))
            """)
    }
}

func checkEvents(_ decoded: Decoded, stream: [UInt8], mode: FramingMode, limit: Int) {
    if mode == .lsp { fuzzCheck(decoded.framing == .lsp, "lsp mode reports framing \(String(describing: decoded.framing))") }
    if mode == .ndjson { fuzzCheck(decoded.framing == .ndjson, "ndjson mode reports framing \(String(describing: decoded.framing))") }
    if decoded.framing == nil {
        fuzzCheck(decoded.events.isEmpty, "events before any framing was detected: \(decoded.events)")
        return
    }
    let framing = decoded.framing!
    var searchFrom = 0
    var lastErrorOffset = 0
    var frames: [[UInt8]] = []
    for event in decoded.events {
        switch event {
        case .frame(let bytes):
            fuzzCheck(bytes.count <= limit, "a frame of \(bytes.count) bytes over the limit \(limit)")
            guard let at = find(bytes, in: stream, from: searchFrom) else {
                fuzzFailure("frame \(escaped(bytes)) is not a substring of the stream after byte \(searchFrom)\nstream: \(escaped(stream))")
            }
            searchFrom = at + bytes.count
            if framing == .ndjson {
                fuzzCheck(!bytes.contains(UInt8(ascii: "\n")), "an NDJSON frame holds a line feed: \(escaped(bytes))")
                fuzzCheck(!bytes.isEmpty && !isWhitespace(bytes[0]), "an NDJSON frame is empty or starts with whitespace: \(escaped(bytes))")
            }
            frames.append(bytes)
        case .error(let kind, let offset):
            fuzzCheck(offset >= 0 && offset <= stream.count, "error \(kind) at offset \(offset) outside the stream of \(stream.count) bytes")
            fuzzCheck(offset >= lastErrorOffset, "error \(kind) at offset \(offset) before the previous error at \(lastErrorOffset)\nstream: \(escaped(stream))\nevents: \(decoded.events)")
            lastErrorOffset = offset
            if case .messageTooLarge(let size) = kind {
                fuzzCheck(size > limit, "messageTooLarge(size: \(size)) within the limit \(limit)")
            }
        }
    }

    // Frames framed again decode to themselves. (An NDJSON frame ending in CR loses it: the
    // encoder's contract is a body without line breaks.)
    let reframable = framing == .lsp ? frames : frames.filter { $0.last != UInt8(ascii: "\r") }
    var encoded: [UInt8] = []
    for frame in reframable { FrameEncoder.encode(frame, framing: framing, into: &encoded) }
    let redecoded = decodeWhole(encoded, mode: framing == .lsp ? .lsp : .ndjson, maxMessageBytes: limit)
    let expected = reframable.map { Event.frame($0) }
    fuzzCheck(redecoded.events == expected, "re-encoded frames decode to \(redecoded.events), not \(expected)")
}

func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard haystack.count - start >= needle.count else { return nil }
    if needle.isEmpty { return start }
    var i = start
    while i <= haystack.count - needle.count {
        if haystack[i] == needle[0], haystack[i..<i + needle.count].elementsEqual(needle) { return i }
        i += 1
    }
    return nil
}
