import JSON
import OpenFrame

/// A core `Diagnostic` in LSP's shape: `{range, severity, code, source, message, data}`.
enum LSPDiagnostic {
    static let source = "openframe"

    static func json(_ diagnostic: Diagnostic, lines: LineIndex, encoding: PositionEncoding) -> JSONValue {
        // Only problems outside the text (the URL's sys_id) lack a span; editors get them at the start.
        let span = diagnostic.span ?? SourceSpan(start: 0, end: 0)
        return [
            "range": LSPRange.json(span, lines: lines, encoding: encoding),
            "severity": .int(severity(diagnostic.severity)),
            "code": .string(diagnostic.code.rawValue),
            "source": .string(source),
            "message": .string(diagnostic.message),
            "data": ["path": .string(diagnostic.path.description)],
        ]
    }

    /// LSP's DiagnosticSeverity: 1 error, 2 warning, 3 information (4, hint, is never used).
    static func severity(_ severity: Diagnostic.Severity) -> Int {
        switch severity {
        case .error: 1
        case .warning: 2
        case .information: 3
        }
    }
}

/// LSP positions and ranges from byte offsets, in the session's encoding.
enum LSPRange {
    static func json(_ span: SourceSpan, lines: LineIndex, encoding: PositionEncoding) -> JSONValue {
        ["start": position(span.start, lines: lines, encoding: encoding), "end": position(span.end, lines: lines, encoding: encoding)]
    }

    static func position(_ offset: Int, lines: LineIndex, encoding: PositionEncoding) -> JSONValue {
        let position = lines.position(of: offset, encoding: encoding)
        return ["line": .int(position.line), "character": .int(position.character)]
    }
}
