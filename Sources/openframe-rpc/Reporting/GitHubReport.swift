import JSON
import OpenFrame

#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// `--format github`: GitHub Actions workflow commands, which the runner turns into annotations on the
/// pull request: `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE::message`
/// (`::warning`, `::notice` for the other severities). Lines are 1-based; columns count UTF-16 code
/// units, as GitHub's web views do, and `endColumn` is the range's last column (inclusive). GitHub
/// takes columns only for a range on one line, so a longer range gives `line` and `endLine` alone.
/// Unreadable inputs are `::error file=F,title=unreadable::F: cannot read: …`.
enum GitHubReport {
    static func render(_ files: [CheckedFile]) -> String {
        var out = ""
        for file in files {
            switch file.outcome {
            case .unreadable(let reason):
                out += command("error", [("file", file.name), ("title", "unreadable")], message: "\(file.name): \(reason)")
            case .checked(let lines, let diagnostics):
                for diagnostic in diagnostics {
                    var properties = [("file", file.name)]
                    if let span = diagnostic.span {
                        let region = SourceRegion(span, in: lines, columns: .utf16)
                        properties.append(("line", String(region.startLine)))
                        if region.startLine == region.endLine {
                            properties.append(("col", String(region.startColumn)))
                            properties.append(("endLine", String(region.endLine)))
                            properties.append(("endColumn", String(max(region.endColumn - 1, region.startColumn))))
                        } else {
                            properties.append(("endLine", String(region.endLine)))
                        }
                    }
                    properties.append(("title", diagnostic.code.rawValue))
                    out += command(name(diagnostic.severity), properties, message: diagnostic.message)
                }
            }
        }
        return out
    }

    static func name(_ severity: Diagnostic.Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .information: "notice"
        }
    }

    static func command(_ name: String, _ properties: [(String, String)], message: String) -> String {
        let list = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        return "::\(name) \(list)::\(escapeData(message))\n"
    }

    /// As the runner unescapes them: `%` first, then the line breaks.
    static func escapeData(_ text: String) -> String {
        escape(text, ["%": "%25", "\r": "%0D", "\n": "%0A"])
    }

    /// Property values also escape the separators `:` and `,`.
    static func escapeProperty(_ text: String) -> String {
        escape(text, ["%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"])
    }

    /// Each listed scalar replaced in one pass (scalars, not characters: "\r\n" is two).
    private static func escape(_ text: String, _ replacements: [Unicode.Scalar: String]) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replacement = replacements[scalar] { out += replacement } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
