import Foundation
import OpenFrame
import Testing

/// The codes' documentation lives in `DiagnosticCode.documentation` (SARIF rules read it); protocol.md's
/// table must say the same, code by code.
struct DiagnosticCodeDocumentationTests {
    @Test func protocolTableMatchesTheCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("protocol.md"), encoding: .utf8)
        let table = text.components(separatedBy: "### Diagnostic codes")[1].components(separatedBy: "\n\n")[1]
        let rows = table.split(separator: "\n").dropFirst(2).map(String.init)
        let expected = DiagnosticCode.allCases.map { "| `\($0.rawValue)` | \($0.severity.rawValue) | \($0.documentation) |" }
        #expect(rows == expected)
    }
}
