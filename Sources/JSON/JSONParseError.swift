/// Why a text is not JSON, and the byte offset where the parser saw it.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case syntax
        case invalidUTF8
        case tooDeep
        case empty
    }

    public let kind: Kind
    /// UTF-8 byte offset of the offending byte (the end of the text for an unexpected end).
    public let offset: Int
    /// What is wrong and what was expected, without the position (callers add it in their own terms).
    public let reason: String

    public init(kind: Kind, offset: Int, reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) (at byte \(offset))" }
}
