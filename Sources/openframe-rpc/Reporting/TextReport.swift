import JSON
import OpenFrame

/// `--format text`: `FILE:LINE:COL: severity: message [code]` per diagnostic, as compilers print them
/// (1-based; columns count bytes). For a person (`excerpts`), each is followed by its source line with
/// the range underlined; `color` adds ANSI colours. Unreadable inputs are `FILE: error: cannot read: …`.
struct TextReport {
    var color: Bool
    var excerpts: Bool

    func render(_ files: [CheckedFile]) -> String {
        var out = ""
        for file in files {
            switch file.outcome {
            case .unreadable(let reason):
                out += header(location: file.name, severity: .error, message: reason, code: nil)
            case .checked(let lines, let diagnostics):
                for diagnostic in diagnostics {
                    var location = file.name
                    if let span = diagnostic.span {
                        let position = lines.lineColumn(of: span.start)
                        location += ":\(position.line):\(position.column)"
                    }
                    out += header(location: location, severity: diagnostic.severity, message: diagnostic.message, code: diagnostic.code)
                    if excerpts, let span = diagnostic.span {
                        out += excerpt(SourceExcerpt(span, in: lines), severity: diagnostic.severity)
                    }
                }
            }
        }
        return out
    }

    private func header(location: String, severity: Diagnostic.Severity, message: String, code: DiagnosticCode?) -> String {
        let code = code.map { " [\($0.rawValue)]" } ?? ""
        guard color else { return "\(location): \(severity.rawValue): \(message)\(code)\n" }
        return
            "\(ANSI.bold)\(location): \(ANSI.color(severity))\(severity.rawValue):\(ANSI.reset)\(ANSI.bold) \(message)\(ANSI.reset)\(code)\n"
    }

    private func excerpt(_ excerpt: SourceExcerpt, severity: Diagnostic.Severity) -> String {
        let number = String(excerpt.lineNumber)
        let gutter = String(repeating: " ", count: number.count + 1)
        guard color else { return " \(number) | \(excerpt.text)\n\(gutter) | \(excerpt.underline)\n" }
        return "\(ANSI.gutter) \(number) |\(ANSI.reset) \(excerpt.text)\n"
            + "\(ANSI.gutter)\(gutter) |\(ANSI.reset) \(ANSI.color(severity))\(excerpt.underline)\(ANSI.reset)\n"
    }
}

/// The escape sequences the text report uses (SGR; bold colours as rustc and clang use them).
enum ANSI {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let gutter = "\u{1B}[1;34m"

    static func color(_ severity: Diagnostic.Severity) -> String {
        switch severity {
        case .error: "\u{1B}[1;31m"
        case .warning: "\u{1B}[1;33m"
        case .information: "\u{1B}[1;36m"
        }
    }
}
