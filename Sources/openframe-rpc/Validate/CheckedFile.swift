import JSON
import OpenFrame

/// One input after validation: what every report format prints from.
struct CheckedFile {
    enum Outcome {
        case checked(lines: LineIndex, diagnostics: [Diagnostic])
        /// The input could not be read: a result too, in every format, and exit status 2.
        case unreadable(reason: String)
    }

    let name: String
    let outcome: Outcome

    var diagnostics: [Diagnostic] {
        if case .checked(_, let diagnostics) = outcome { return diagnostics }
        return []
    }

    var isValid: Bool {
        guard case .checked(_, let diagnostics) = outcome else { return false }
        return !diagnostics.contains { $0.severity == .error }
    }

    var isUnreadable: Bool {
        if case .unreadable = outcome { return true }
        return false
    }
}

/// What `--ignore` and `--warnings-as-errors` do to a report, before any format sees it: ignored codes
/// vanish (from output and exit status alike); promoted warnings are errors everywhere (text, JSON's
/// `severity` and `valid`, SARIF `level`, GitHub `::error`).
struct DiagnosticPolicy {
    var ignored: Set<DiagnosticCode> = []
    var warningsAsErrors = false

    func apply(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.compactMap { diagnostic in
            guard !ignored.contains(diagnostic.code) else { return nil }
            var diagnostic = diagnostic
            if warningsAsErrors, diagnostic.severity == .warning { diagnostic.severity = .error }
            return diagnostic
        }
    }
}
