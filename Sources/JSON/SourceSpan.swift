/// Where a value stands in the text it was parsed from: UTF-8 byte offsets, end exclusive.
/// `LineIndex` turns offsets into LSP positions or into line:column for people.
public struct SourceSpan: Sendable, Hashable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}
