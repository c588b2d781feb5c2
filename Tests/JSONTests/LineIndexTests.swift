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
}
