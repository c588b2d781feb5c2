/// How a position's character offset is counted: LSP defaults to UTF-16 code units;
/// LSP 3.17 clients may offer UTF-8.
public enum PositionEncoding: String, Sendable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
}

/// A 0-based line and character, as LSP counts them.
public struct TextPosition: Sendable, Hashable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }
}

/// Converts byte offsets to positions and back. Lines end at `\n`, `\r\n` or a lone `\r`, as LSP says.
///
/// Every conversion costs O(log n + stride), whatever the length of the line: one pass at init records
/// the line starts and, every `checkpointStride` bytes, the UTF-16 units counted so far. Counting from
/// the line's start instead made a document of one long line quadratic to report on (2.7 MB: 250 s).
public struct LineIndex: Sendable {
    public let bytes: [UInt8]
    /// Byte offset where each line starts.
    public let lineStarts: [Int]
    /// `utf16Checkpoints[k]`: UTF-16 units in `bytes[0 ..< k * checkpointStride]`.
    let utf16Checkpoints: [Int]
    static let checkpointStride = 64

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        var checkpoints: [Int] = []
        checkpoints.reserveCapacity(bytes.count / Self.checkpointStride + 1)
        var units = 0
        for i in bytes.indices {
            if i % Self.checkpointStride == 0 { checkpoints.append(units) }
            let c = bytes[i]
            units += Self.utf16Units(leading: c)
            // `\r\n` is one line end: its line starts after the `\n`.
            if c == 0x0A || (c == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A)) { starts.append(i + 1) }
        }
        if bytes.count % Self.checkpointStride == 0 { checkpoints.append(units) }
        lineStarts = starts
        utf16Checkpoints = checkpoints
    }

    /// The UTF-16 units a byte starts: a 4-byte sequence is a surrogate pair (2 units), every other
    /// sequence is one unit, counted at its first byte (continuation bytes count 0).
    @inline(__always)
    static func utf16Units(leading c: UInt8) -> Int {
        c < 0x80 ? 1 : c < 0xC0 ? 0 : c >= 0xF0 ? 2 : 1
    }

    /// UTF-16 units in `bytes[0 ..< offset]`: the checkpoint at or before it, then under one stride of bytes.
    func utf16Offset(of offset: Int) -> Int {
        let k = offset / Self.checkpointStride
        var units = utf16Checkpoints[k]
        var i = k * Self.checkpointStride
        while i < offset {
            units += Self.utf16Units(leading: bytes[i])
            i += 1
        }
        return units
    }

    /// The 0-based line holding `offset` (offsets past the end belong to the last line).
    public func line(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    public func position(of offset: Int, encoding: PositionEncoding = .utf16) -> TextPosition {
        let offset = max(0, min(offset, bytes.count))
        let line = line(of: offset)
        let start = lineStarts[line]
        guard encoding == .utf16 else { return TextPosition(line: line, character: offset - start) }
        return TextPosition(line: line, character: utf16Offset(of: offset) - utf16Offset(of: start))
    }

    /// The byte offset of a position; a character past the end of its line clamps to the line's end,
    /// a line past the end clamps to the end of the text (LSP's rule for out-of-range positions).
    public func offset(of position: TextPosition, encoding: PositionEncoding = .utf16) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let start = lineStarts[position.line]
        var lineEnd = position.line + 1 < lineStarts.count ? lineStarts[position.line + 1] : bytes.count
        while lineEnd > start, bytes[lineEnd - 1] == 0x0A || bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        if encoding == .utf8 { return min(start + max(0, position.character), lineEnd) }
        // Skip whole strides while the checkpoint after them is still short of the target, by
        // binary search over the checkpoints inside the line; then walk under one stride.
        let target = utf16Offset(of: start) + max(0, position.character)
        var lo = start / Self.checkpointStride + 1, hi = lineEnd / Self.checkpointStride
        var i = start
        var units = utf16Offset(of: start)
        while lo <= hi {
            let mid = (lo + hi) / 2
            if utf16Checkpoints[mid] < target {
                i = mid * Self.checkpointStride
                units = utf16Checkpoints[mid]
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        // A checkpoint may fall inside a sequence whose units are already counted: step past its tail.
        while i < lineEnd, bytes[i] & 0xC0 == 0x80 { i += 1 }
        while i < lineEnd, units < target {
            let c = bytes[i]
            let length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            units += length == 4 ? 2 : 1
            i += length
        }
        return min(i, lineEnd)
    }

    /// 1-based line and column for people; the column counts bytes, as compilers (swiftc, clang, gcc) do.
    public func lineColumn(of offset: Int) -> (line: Int, column: Int) {
        let offset = max(0, min(offset, bytes.count))
        let line = line(of: offset)
        return (line + 1, offset - lineStarts[line] + 1)
    }
}
