import JSON
import Testing
@testable import OpenFrame

struct DiagnosticWireFormTests {
    /// "é" is two UTF-8 bytes and one UTF-16 unit; "😀" is four bytes and two units.
    let text = """
        {
          "interaction": {"clientSessionId": "é😀", "userPhoneNumber": 14089965744}
        }
        """

    @Test func rangeCountsUTF16UnitsByDefault() throws {
        let report = Validator.validate(text: Array(text.utf8), operation: .create, interactionSysId: nil)
        let diagnostic = try #require(report.diagnostics.first)
        let wire = diagnostic.json(lineIndex: LineIndex(Array(text.utf8)))
        let expected: JSONValue = [
            "severity": "error",
            "code": "wrong-type",
            "message": "interaction.userPhoneNumber must be a string in E.164 form; found a number.",
            "path": "/interaction/userPhoneNumber",
            "range": [
                "start": ["line": 1, "character": 63],
                "end": ["line": 1, "character": 74],
            ],
        ]
        #expect(wire == expected)
        #expect(wire.objectValue?.keys == ["severity", "code", "message", "path", "range"])
    }

    @Test func rangeCanCountUTF8Bytes() throws {
        let report = Validator.validate(text: Array(text.utf8), operation: .create, interactionSysId: nil)
        let wire = try #require(report.diagnostics.first).json(lineIndex: LineIndex(Array(text.utf8)), encoding: .utf8)
        #expect(wire["range"] == ["start": ["line": 1, "character": 66], "end": ["line": 1, "character": 77]])
    }

    @Test func noRangeWithoutALineIndexOrASpan() {
        let withSpan = Diagnostic(.wrongType, "m", path: "/interaction", span: SourceSpan(start: 0, end: 1))
        #expect(withSpan.json(lineIndex: nil).objectValue?.keys == ["severity", "code", "message", "path"])
        let withoutSpan = Diagnostic(.missingSysId, "m", path: "", span: nil)
        #expect(withoutSpan.json(lineIndex: LineIndex([])).objectValue?.keys == ["severity", "code", "message", "path"])
        #expect(withoutSpan.json(lineIndex: nil)["path"] == "")
    }

    @Test func fixesCarryTheirEdit() {
        let replace = Diagnostic(
            .invalidPhoneNumber, "m", path: "/interaction/userPhoneNumber", span: nil,
            fix: DiagnosticFix(title: "Use +14089965744", edit: .replaceValue("+14089965744")))
        #expect(replace.json(lineIndex: nil) == [
            "severity": "error", "code": "invalid-phone-number", "message": "m", "path": "/interaction/userPhoneNumber",
            "fix": ["title": "Use +14089965744", "replaceValue": "+14089965744"],
        ])
        let rename = Diagnostic(
            .unknownMember, "m", path: "/phonelogs", span: SourceSpan(start: 1, end: 12),
            fix: DiagnosticFix(title: "Rename to phoneLogs", edit: .renameKey("phoneLogs")))
        let wire = rename.json(lineIndex: LineIndex(Array(#"{"phonelogs": []}"#.utf8)))
        #expect(wire.objectValue?.keys == ["severity", "code", "message", "path", "range", "fix"])
        #expect(wire["fix"] == ["title": "Rename to phoneLogs", "renameKey": "phoneLogs"])
        #expect(wire["severity"] == "warning")
    }

    @Test func pathsAreEscapedPointers() {
        let report = validate(#"{"interaction": {"userPhoneNumber": "+14089965744", "additionalParams": {"a/b~c": {}}}}"#)
        #expect(report.diagnostics.map { $0.json(lineIndex: nil)["path"] } == [
            "/interaction/additionalParams/a~1b~0c", "/interaction/additionalParams/a~1b~0c",
        ])
    }
}
