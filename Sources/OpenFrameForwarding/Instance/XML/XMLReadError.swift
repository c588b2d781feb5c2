/// Why an XML answer was not read, and where: a byte offset and its line and column (1-based,
/// columns counted in bytes), so a log line points at the spot.
public struct XMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case empty, invalidUTF8, forbiddenCharacter, malformed, unexpectedEnd, mismatchedTag
        case undefinedEntity, doctypeRefused, otherEncoding, tooDeep
    }

    public let kind: Kind
    public let offset: Int
    public let line: Int
    public let column: Int
    /// What was wrong and, where it helps, what was expected.
    public let what: String

    public var description: String { "XML line \(line), column \(column) (byte \(offset)): \(what)" }

    init(_ kind: Kind, at offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ what: String) {
        self.kind = kind
        self.offset = offset
        self.what = what
        var line = 1, lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        self.column = offset - lineStart + 1
    }
}
