import Testing

@testable import JSON

struct LineIndexTests {
    @Test func positionsCountUTF16UnitsOrBytes() {
        let text = "ab\né😀x\r\ny\rz"
        let index = LineIndex(Array(text.utf8))
        #expect(index.lineStarts == [0, 3, 12, 14])
        let x = Array(text.utf8).firstIndex(of: UInt8(ascii: "x"))!
        #expect(index.position(of: x) == TextPosition(line: 1, character: 3))
        #expect(index.position(of: x, encoding: .utf8) == TextPosition(line: 1, character: 6))
        #expect(index.offset(of: TextPosition(line: 1, character: 3)) == x)
        #expect(index.offset(of: TextPosition(line: 1, character: 6), encoding: .utf8) == x)
        #expect(index.position(of: 14) == TextPosition(line: 3, character: 0))
        #expect(index.lineColumn(of: x) == (2, 7))
    }

    @Test func outOfRangePositionsClamp() {
        let index = LineIndex(Array("abc\ndef".utf8))
        #expect(index.offset(of: TextPosition(line: 0, character: 99)) == 3)
        #expect(index.offset(of: TextPosition(line: 9, character: 0)) == 7)
        #expect(index.position(of: 99) == TextPosition(line: 1, character: 3))
    }

    /// The checkpointed conversions agree with counting from the line's start, on text mixing every
    /// UTF-8 length and line end, across many checkpoint boundaries (one long line and short ones).
    @Test func checkpointedConversionsMatchCountingFromTheLineStart() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "€", "😀", "\n", "\r\n", "\r", "\"x\": 1, "]
        for lineBreaks in [false, true] {
            var text = ""
            for _ in 0..<1200 {
                let piece = pieces.randomElement(using: &generator)!
                if !lineBreaks, piece.contains(where: \.isNewline) { continue }
                text += piece
            }
            let bytes = Array(text.utf8)
            let index = LineIndex(bytes)
            for offset in 0...bytes.count {
                let position = index.position(of: offset)
                #expect(position == Self.naivePosition(bytes, index, offset), "offset \(offset)")
                if offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { continue }
                #expect(index.offset(of: position) == offset || bytes[offset] == 0x0A, "position \(position)")
            }
            for line in 0..<index.lineStarts.count {
                for character in stride(from: 0, through: 9000, by: 7) {
                    let position = TextPosition(line: line, character: character)
                    #expect(index.offset(of: position) == Self.naiveOffset(bytes, index, position), "position \(position)")
                }
            }
        }
    }

    static func naivePosition(_ bytes: [UInt8], _ index: LineIndex, _ offset: Int) -> TextPosition {
        let line = index.line(of: offset)
        var units = 0
        for i in index.lineStarts[line]..<offset where bytes[i] < 0x80 || bytes[i] >= 0xC0 { units += bytes[i] >= 0xF0 ? 2 : 1 }
        return TextPosition(line: line, character: units)
    }

    static func naiveOffset(_ bytes: [UInt8], _ index: LineIndex, _ position: TextPosition) -> Int {
        let start = index.lineStarts[position.line]
        var lineEnd = position.line + 1 < index.lineStarts.count ? index.lineStarts[position.line + 1] : bytes.count
        while lineEnd > start, bytes[lineEnd - 1] == 0x0A || bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        var units = 0, i = start
        while i < lineEnd, units < position.character {
            let c = bytes[i]
            let length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            units += length == 4 ? 2 : 1
            i += length
        }
        return min(i, lineEnd)
    }
}
