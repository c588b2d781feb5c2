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
public struct LineIndex: Sendable {
    public let bytes: [UInt8]
    /// Byte offset where each line starts.
    public let lineStarts: [Int]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A {
                starts.append(i + 1)
            } else if c == 0x0D {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                starts.append(i + 1)
            }
            i += 1
        }
        lineStarts = starts
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
        var units = 0
        var i = start
        while i < offset {
            let c = bytes[i]
            // A 4-byte sequence is a surrogate pair (2 units); every other sequence is one unit.
            if c < 0x80 || c >= 0xC0 { units += c >= 0xF0 ? 2 : 1 }
            i += 1
        }
        return TextPosition(line: line, character: units)
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
        var units = 0
        var i = start
        while i < lineEnd, units < position.character {
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
