/// Everything the validator found, in document order.
public struct ValidationReport: Sendable {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Warnings do not stop a request; only errors do.
    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }
}
