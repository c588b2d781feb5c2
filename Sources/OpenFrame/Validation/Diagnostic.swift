import JSON

/// One finding about a payload, precise enough for an editor to underline it and for a person
/// to fix it without reading the API reference.
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable {
        case error, warning, information
    }

    public var severity: Severity
    public var code: DiagnosticCode
    /// One sentence: what is wrong, and what is expected.
    public var message: String
    /// Where, in payload terms; for a missing member, the pointer it would have.
    public var path: JSONPointer
    /// The offending bytes of the parsed text; nil when the problem is not in the text (the URL's sys_id).
    public var span: SourceSpan?
    public var fix: DiagnosticFix?

    public init(
        severity: Severity, code: DiagnosticCode, message: String, path: JSONPointer,
        span: SourceSpan? = nil, fix: DiagnosticFix? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.path = path
        self.span = span
        self.fix = fix
    }

    /// With the code's own severity, which is how the validator always builds them.
    public init(_ code: DiagnosticCode, _ message: String, path: JSONPointer, span: SourceSpan?, fix: DiagnosticFix? = nil) {
        self.init(severity: code.severity, code: code, message: message, path: path, span: span, fix: fix)
    }
}
