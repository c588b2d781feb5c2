import JSON
import OpenFrame

/// `--format json`: an array with one entry per input, in input order:
/// `{"file", "valid", "diagnostics": [...]}`, or `{"file", "valid": false, "error": "cannot read: …", "diagnostics": []}`.
/// Each diagnostic is the protocol's wire form (its `range` is LSP's: 0-based lines, UTF-16 characters,
/// end exclusive) plus, for people and tools that count like compilers, 1-based `line`/`column` and
/// `endLine`/`endColumn` (columns count bytes; the end is just past the range, as SARIF's is).
enum JSONReport {
    static func render(_ files: [CheckedFile]) -> String {
        let entries = files.map { file -> JSONValue in
            var entry: JSONObject = ["file": .string(file.name), "valid": .bool(file.isValid)]
            switch file.outcome {
            case .unreadable(let reason):
                entry["error"] = .string(reason)
                entry["diagnostics"] = .array([])
            case .checked(let lines, let diagnostics):
                entry["diagnostics"] = .array(diagnostics.map { entryJSON($0, lines: lines) })
            }
            return .object(entry)
        }
        return String(decoding: JSONWriter.serialize(.array(entries), indent: 2), as: UTF8.self) + "\n"
    }

    private static func entryJSON(_ diagnostic: Diagnostic, lines: LineIndex) -> JSONValue {
        guard case .object(var object) = diagnostic.json(lineIndex: lines) else { return diagnostic.json(lineIndex: lines) }
        if let span = diagnostic.span {
            let region = SourceRegion(span, in: lines, columns: .utf8)
            object["line"] = .int(region.startLine)
            object["column"] = .int(region.startColumn)
            object["endLine"] = .int(region.endLine)
            object["endColumn"] = .int(region.endColumn)
        }
        return .object(object)
    }
}
