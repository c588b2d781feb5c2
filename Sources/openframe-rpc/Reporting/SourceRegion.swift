import JSON

/// A diagnostic's place as people and CI tools count it: 1-based lines and columns, the end exclusive
/// (the column just past the last character). `columns` says what a column counts: bytes as compilers
/// print them (text, JSON's `line`/`column`), or UTF-16 code units as SARIF's default `columnKind` and
/// GitHub's web views do.
struct SourceRegion: Equatable {
    var startLine: Int
    var startColumn: Int
    var endLine: Int
    var endColumn: Int

    init(_ span: SourceSpan, in lines: LineIndex, columns: PositionEncoding) {
        let start = lines.position(of: span.start, encoding: columns)
        let end = lines.position(of: span.end, encoding: columns)
        startLine = start.line + 1
        startColumn = start.character + 1
        endLine = end.line + 1
        endColumn = end.character + 1
    }
}
