#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits an input byte stream into message bodies, recovering from malformed input so one bad
/// message never ends the session.
///
/// Feed bytes as they arrive, then call `next()` until it returns nil. Memory stays bounded by
/// about `maxMessageBytes` plus one fed chunk: oversized bodies are skipped as they stream in,
/// and header blocks are capped at `maxHeaderBlockBytes`.
public struct FrameDecoder: Sendable {
    public let mode: FramingMode
    public let maxMessageBytes: Int
    /// Longer header blocks are treated as garbage, so a peer cannot make us buffer without end.
    public static let maxHeaderBlockBytes = 8192

    /// nil until the first non-whitespace byte arrives in `.auto` mode.
    public private(set) var framing: Framing?

    private enum State: Sendable {
        case detecting
        case headers
        case body(length: Int)
        case skipBody(remaining: Int)
        case garbage
        case line
        case skipLine(size: Int)
    }

    private enum Step {
        case event(FrameEvent)
        case progress
        case needMore
    }

    private var state: State
    private var buffer: [UInt8] = []
    /// Consumed bytes stay in place until compaction, which is rare and amortized.
    private var readIndex = 0
    /// Stream offset of `buffer[0]`, for error locations.
    private var bufferOffset = 0

    // Header block being parsed (consumed line by line).
    private var blockStarted = false
    private var blockOffset = 0
    private var blockBytes = 0
    private var contentLength: Int?
    private var contentLengthProblem: String?
    /// Non-Content-Length header lines, newline-separated, kept as bytes so the common case
    /// costs no String work; formatted only for a missing-Content-Length error.
    private var otherHeaders: [UInt8] = []

    /// Set once a garbage run has been reported, so a run yields one error, not one per line.
    private var garbageReported = false
    private var garbageAtLineStart = false
    /// Bytes of the current NDJSON line already known to hold no newline.
    private var lineScanned = 0
    private var skipOffset = 0

    public init(mode: FramingMode, maxMessageBytes: Int = 16 << 20) {
        self.mode = mode
        self.maxMessageBytes = max(0, maxMessageBytes)
        switch mode {
        case .auto: framing = nil; state = .detecting
        case .lsp: framing = .lsp; state = .headers
        case .ndjson: framing = .ndjson; state = .line
        }
    }

    /// Bytes held but not yet decoded; internal so tests can check the memory bound.
    var bufferedByteCount: Int { buffer.count - readIndex }

    // MARK: Input

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        compact()
        // Skipped bodies never touch the buffer.
        if case .skipBody(let remaining) = state, readIndex == buffer.count {
            let take = min(remaining, count)
            bufferOffset += take
            state = .skipBody(remaining: remaining - take)
            base += take
            count -= take
            if count == 0 { return }
        }
        buffer.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            bufferOffset += readIndex
            readIndex = 0
            // Give back the memory of an unusually large message.
            if buffer.capacity > 1 << 20 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
        } else if readIndex > buffer.count / 2 {
            bufferOffset += readIndex
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    // MARK: Output

    /// Returns the next event, or nil when more input is needed.
    public mutating func next() -> FrameEvent? {
        while true {
            let step: Step
            switch state {
            case .detecting: step = stepDetect()
            case .headers: step = stepHeaders()
            case .body(let length): step = stepBody(length)
            case .skipBody(let remaining): step = stepSkipBody(remaining)
            case .garbage: step = stepGarbage()
            case .line: step = stepLine()
            case .skipLine(let size): step = stepSkipLine(size)
            }
            switch step {
            case .event(let event): return event
            case .progress: continue
            case .needMore: return nil
            }
        }
    }

    /// Reports what the end of input leaves unfinished and resets for a new stream.
    public mutating func finish() -> [FrameEvent] {
        var events: [FrameEvent] = []
        while let event = next() { events.append(event) }
        let available = buffer.count - readIndex
        switch state {
        case .detecting, .skipBody, .garbage:
            break
        case .headers:
            if blockStarted || available > 0 {
                let offset = blockStarted ? blockOffset : position(readIndex)
                events.append(
                    .error(
                        FramingError(
                            kind: .truncated,
                            message: "message truncated by end of input: header block at byte \(offset) has no terminating blank line",
                            byteOffset: offset)))
            }
        case .body(let length):
            let offset = position(readIndex)
            events.append(
                .error(
                    FramingError(
                        kind: .truncated,
                        message: "message truncated by end of input: expected \(length) bytes of body, got \(available)",
                        byteOffset: offset)))
        case .line:
            if available > 0 {
                let offset = position(readIndex)
                var end = buffer.count
                if buffer[end - 1] == .cr { end -= 1 }
                let length = end - readIndex
                if length > maxMessageBytes {
                    events.append(.error(tooLarge(size: length, offset: offset, unit: "line")))
                } else {
                    events.append(.frame(Array(buffer[readIndex..<end])))
                }
            }
        case .skipLine(let size):
            // A trailing CR is not part of the line, as in the `.line` case above.
            let trailingCR = available > 0 && buffer[buffer.count - 1] == .cr ? 1 : 0
            events.append(.error(tooLarge(size: size + available - trailingCR, offset: skipOffset, unit: "line")))
        }
        bufferOffset += buffer.count
        buffer = []
        readIndex = 0
        lineScanned = 0
        resetBlock()
        garbageReported = false
        switch framing {
        case nil: state = .detecting
        case .lsp: state = .headers
        case .ndjson: state = .line
        }
        return events
    }

    // MARK: Steps

    private func position(_ index: Int) -> Int { bufferOffset + index }

    private mutating func stepDetect() -> Step {
        let end = buffer.count
        let first = buffer.withUnsafeBufferPointer { Self.skipWhitespace($0, from: readIndex) }
        readIndex = first
        guard first < end else { return .needMore }
        let byte = buffer[first]
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            framing = .ndjson
            state = .line
        } else {
            framing = .lsp
            state = .headers
        }
        return .progress
    }

    private enum HeaderLine {
        case needMore(pending: Int)
        case whitespace(count: Int)
        case blank(length: Int)
        case header(colon: Int, newline: Int)
        case garbage
    }

    private mutating func stepHeaders() -> Step {
        let start = readIndex
        guard start < buffer.count else { return .needMore }
        let scan = buffer.withUnsafeBufferPointer { Self.scanHeaderLine($0, from: start, inBlock: blockStarted) }
        switch scan {
        case .needMore(let pending):
            if blockBytes + pending > Self.maxHeaderBlockBytes { return enterGarbage(tooLong: true) }
            return .needMore
        case .whitespace(let count):
            readIndex += count
            return .progress
        case .blank(let length):
            readIndex += length
            return finishBlock()
        case .garbage:
            return enterGarbage(tooLong: false)
        case .header(let colon, let newline):
            let length = newline + 1 - start
            if blockBytes + length > Self.maxHeaderBlockBytes { return enterGarbage(tooLong: true) }
            if !blockStarted {
                blockStarted = true
                blockOffset = position(start)
            }
            blockBytes += length
            readHeader(nameStart: start, colon: colon, newline: newline)
            readIndex = newline + 1
            return .progress
        }
    }

    private mutating func readHeader(nameStart: Int, colon: Int, newline: Int) {
        var valueEnd = newline
        if valueEnd > colon + 1 && buffer[valueEnd - 1] == .cr { valueEnd -= 1 }
        var valueStart = colon + 1
        while valueStart < valueEnd && buffer[valueStart].isSpaceOrTab { valueStart += 1 }
        while valueEnd > valueStart && buffer[valueEnd - 1].isSpaceOrTab { valueEnd -= 1 }

        let isContentLength = buffer.withUnsafeBufferPointer {
            Self.matchesContentLength($0, at: nameStart, count: colon - nameStart)
        }
        guard isContentLength else {
            if otherHeaders.count < 200 {
                if !otherHeaders.isEmpty { otherHeaders.append(.lf) }
                otherHeaders.append(contentsOf: buffer[nameStart..<min(valueEnd, nameStart + 80)])
            }
            return
        }
        guard contentLengthProblem == nil else { return }
        let value = buffer[valueStart..<valueEnd]
        guard let length = Self.parseLength(value) else {
            contentLengthProblem =
                "invalid Content-Length '\(Self.describe(value, limit: 40))' in the header block at byte \(blockOffset): expected a non-negative decimal byte count; message skipped"
            return
        }
        if let previous = contentLength, previous != length {
            contentLengthProblem =
                "conflicting Content-Length headers (\(previous) and \(length)) in the header block at byte \(blockOffset); message skipped"
            return
        }
        contentLength = length
    }

    private mutating func finishBlock() -> Step {
        let offset = blockOffset
        let problem = contentLengthProblem
        let length = contentLength
        let others = otherHeaders.split(separator: .lf, omittingEmptySubsequences: false)
            .map { "'" + Self.describe($0, limit: 80) + "'" }
            .joined(separator: ", ")
        resetBlock()
        if let problem {
            enterQuietGarbage()
            return .event(.error(FramingError(kind: .invalidContentLength, message: problem, byteOffset: offset)))
        }
        guard let length else {
            enterQuietGarbage()
            return .event(
                .error(
                    FramingError(
                        kind: .missingContentLength,
                        message:
                            "expected a 'Content-Length: N' header before the blank line ending the header block at byte \(offset); got headers \(others); message skipped",
                        byteOffset: offset)))
        }
        garbageReported = false
        if length > maxMessageBytes {
            state = .skipBody(remaining: length)
            return .event(.error(tooLarge(size: length, offset: offset, unit: "message")))
        }
        state = .body(length: length)
        return .progress
    }

    private mutating func resetBlock() {
        blockStarted = false
        blockBytes = 0
        contentLength = nil
        contentLengthProblem = nil
        if !otherHeaders.isEmpty { otherHeaders.removeAll(keepingCapacity: true) }
    }

    /// After a bad header block its body follows; skip it silently up to the next header.
    private mutating func enterQuietGarbage() {
        state = .garbage
        garbageAtLineStart = true
        garbageReported = true
    }

    private mutating func enterGarbage(tooLong: Bool) -> Step {
        let start = readIndex
        let offset = position(start)
        let message: String
        if tooLong {
            let blockAt = blockStarted ? blockOffset : offset
            message =
                "header block at byte \(blockAt) exceeds \(Self.maxHeaderBlockBytes) bytes without ending in a blank line; skipped up to the next header"
        } else {
            let lineEnd = buffer.withUnsafeBufferPointer { Self.findByte(.lf, in: $0, from: start) } ?? buffer.count
            let got = Self.describe(buffer[start..<lineEnd], limit: 40)
            message = "expected a header line such as 'Content-Length: N' at byte \(offset); got '\(got)'; skipped up to the next header"
        }
        resetBlock()
        state = .garbage
        garbageAtLineStart = false
        // The first byte is known bad; consuming it guarantees progress on resynchronization.
        readIndex += 1
        if garbageReported { return .progress }
        garbageReported = true
        return .event(.error(FramingError(kind: .garbage, message: message, byteOffset: offset)))
    }

    private mutating func stepGarbage() -> Step {
        let start = readIndex
        let end = buffer.count
        guard start < end else { return .needMore }
        if garbageAtLineStart {
            let startsHeader = buffer.withUnsafeBufferPointer { Self.startsHeader($0, at: start) }
            switch startsHeader {
            case true?:
                state = .headers
                return .progress
            case nil where end - start <= Self.maxHeaderBlockBytes:
                return .needMore
            default:
                garbageAtLineStart = false
            }
        }
        let (newline, match) = buffer.withUnsafeBufferPointer { buf -> (Int?, Int?) in
            let newline = Self.findByte(.lf, in: buf, from: start)
            return (newline, Self.findContentLength(in: buf, from: start, to: newline ?? end))
        }
        if let match {
            readIndex = match
            state = .headers
            return .progress
        }
        if let newline {
            readIndex = newline + 1
            garbageAtLineStart = true
            return .progress
        }
        // Keep only what could be the start of a "Content-Length:" split across reads.
        readIndex = max(start, end - (Self.contentLengthColon.utf8CodeUnitCount - 1))
        return .needMore
    }

    private mutating func stepBody(_ length: Int) -> Step {
        let available = buffer.count - readIndex
        if available >= length {
            let frame = Array(buffer[readIndex..<readIndex + length])
            readIndex += length
            state = .headers
            return .event(.frame(frame))
        }
        if readIndex + length > buffer.capacity {
            // Room for the whole body up front instead of repeated doubling.
            if readIndex > 0 {
                bufferOffset += readIndex
                buffer.removeSubrange(0..<readIndex)
                readIndex = 0
            }
            buffer.reserveCapacity(length + (64 << 10))
        }
        return .needMore
    }

    private mutating func stepSkipBody(_ remaining: Int) -> Step {
        let take = min(remaining, buffer.count - readIndex)
        readIndex += take
        if take == remaining {
            state = .headers
            return .progress
        }
        state = .skipBody(remaining: remaining - take)
        return .needMore
    }

    private mutating func stepLine() -> Step {
        let end = buffer.count
        if lineScanned == 0 {
            readIndex = buffer.withUnsafeBufferPointer { Self.skipWhitespace($0, from: readIndex) }
        }
        let start = readIndex
        guard start < end else { return .needMore }
        let scanFrom = start + lineScanned
        guard let newline = buffer.withUnsafeBufferPointer({ Self.findByte(.lf, in: $0, from: scanFrom) }) else {
            let available = end - start
            // One extra byte for a possible trailing CR, which is not part of the message.
            if available > maxMessageBytes + 1 {
                skipOffset = position(start)
                state = .skipLine(size: skipLineBytes(from: start, to: end))
                lineScanned = 0
                return .needMore
            }
            lineScanned = available
            return .needMore
        }
        lineScanned = 0
        var lineEnd = newline
        if lineEnd > start && buffer[lineEnd - 1] == .cr { lineEnd -= 1 }
        readIndex = newline + 1
        let length = lineEnd - start
        if length > maxMessageBytes {
            return .event(.error(tooLarge(size: length, offset: position(start), unit: "line")))
        }
        return .event(.frame(Array(buffer[start..<lineEnd])))
    }

    private mutating func stepSkipLine(_ size: Int) -> Step {
        let start = readIndex
        let end = buffer.count
        guard let newline = buffer.withUnsafeBufferPointer({ Self.findByte(.lf, in: $0, from: start) }) else {
            state = .skipLine(size: size + skipLineBytes(from: start, to: end))
            return .needMore
        }
        var total = size + (newline - start)
        if newline > start && buffer[newline - 1] == .cr { total -= 1 }
        readIndex = newline + 1
        state = .line
        return .event(.error(tooLarge(size: total, offset: skipOffset, unit: "line")))
    }

    /// Drops the bytes of an over-long line up to `end`, except a final CR: it stays buffered so
    /// that, if a LF follows in the next read, it is seen as part of the line break (as when the
    /// line arrives in one piece), not counted in the line's size. Returns the bytes dropped.
    private mutating func skipLineBytes(from start: Int, to end: Int) -> Int {
        let keep = end > start && buffer[end - 1] == .cr ? 1 : 0
        readIndex = end - keep
        return end - keep - start
    }

    private func tooLarge(size: Int, offset: Int, unit: String) -> FramingError {
        FramingError(
            kind: .messageTooLarge(size: size),
            message:
                "\(unit) of \(size) bytes at byte \(offset) exceeds the limit of \(maxMessageBytes) bytes (--max-message-bytes); skipped",
            byteOffset: offset)
    }

    // MARK: Byte scanning

    private static func skipWhitespace(_ buf: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < buf.count && buf[i].isWhitespace { i += 1 }
        return i
    }

    private static func findByte(_ byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buf.count, let base = buf.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buf.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    private static func scanHeaderLine(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, inBlock: Bool) -> HeaderLine {
        let end = buf.count
        let first = buf[start]
        if first.isWhitespace {
            if !inBlock {
                // Stray blank lines and spaces between messages.
                return .whitespace(count: skipWhitespace(buf, from: start) - start)
            }
            var i = start
            while i < end && buf[i] != .lf && buf[i].isWhitespace { i += 1 }
            if i == end { return .needMore(pending: end - start) }
            return buf[i] == .lf ? .blank(length: i + 1 - start) : .garbage
        }
        guard first.isTokenByte else { return .garbage }
        var i = start + 1
        while i < end && buf[i].isTokenByte { i += 1 }
        if i == end { return .needMore(pending: end - start) }
        guard buf[i] == .colon else { return .garbage }
        guard let newline = findByte(.lf, in: buf, from: i) else { return .needMore(pending: end - start) }
        return .header(colon: i, newline: newline)
    }

    /// true: a `Name:` header line; false: not one; nil: cannot tell yet.
    private static func startsHeader(_ buf: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool? {
        guard buf[start].isTokenByte else { return false }
        var i = start + 1
        while i < buf.count && buf[i].isTokenByte { i += 1 }
        if i == buf.count { return nil }
        return buf[i] == .colon
    }

    /// A StaticString needs no lazy initialization, unlike a static Array.
    private static let contentLengthColon: StaticString = "content-length:"

    private static func matchesContentLength(_ buf: UnsafeBufferPointer<UInt8>, at start: Int, count: Int) -> Bool {
        let pattern = contentLengthColon.utf8Start
        guard count == contentLengthColon.utf8CodeUnitCount - 1 else { return false }
        for k in 0..<count where buf[start + k].lowercasedASCII != pattern[k] { return false }
        return true
    }

    /// Finds "Content-Length:" inside a garbage line: an LSP body with a wrong length runs
    /// straight into the next header, with no newline in between.
    private static func findContentLength(in buf: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let pattern = contentLengthColon.utf8Start
        let count = contentLengthColon.utf8CodeUnitCount
        guard end - start >= count else { return nil }
        var i = start
        outer: while i <= end - count {
            if buf[i].lowercasedASCII == pattern[0] {
                for k in 1..<count where buf[i + k].lowercasedASCII != pattern[k] {
                    i += 1
                    continue outer
                }
                return i
            }
            i += 1
        }
        return nil
    }

    private static func parseLength(_ digits: ArraySlice<UInt8>) -> Int? {
        // 18 digits cannot overflow Int64; anything longer is far beyond any sane limit.
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Renders bytes for an error message: printable ASCII as is, the rest escaped.
    static func describe(_ bytes: ArraySlice<UInt8>, limit: Int) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case .cr: text += "\\r"
            case .lf: text += "\\n"
            case UInt8(ascii: "\t"): text += "\\t"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if bytes.count > limit { text += "…" }
        return text
    }
}

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
    fileprivate static let colon = UInt8(ascii: ":")

    fileprivate var isWhitespace: Bool {
        self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09
    }

    fileprivate var isSpaceOrTab: Bool { self == 0x20 || self == 0x09 }

    fileprivate var lowercasedASCII: UInt8 {
        self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
    }

    /// RFC 9110 token characters: what a header name may consist of.
    fileprivate var isTokenByte: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
