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
        let withoutSpan = Diagnostic(.invalidSysId, "m", path: "", span: nil)
        #expect(withoutSpan.json(lineIndex: LineIndex([])).objectValue?.keys == ["severity", "code", "message", "path"])
        #expect(withoutSpan.json(lineIndex: nil)["path"] == "")
    }

    @Test func fixesCarryTheirEdit() {
        let replace = Diagnostic(
            .invalidPhoneNumber, "m", path: "/interaction/userPhoneNumber", span: nil,
            fix: DiagnosticFix(title: "Use +14089965744", edit: .replaceValue("+14089965744")))
        #expect(
            replace.json(lineIndex: nil) == [
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
        #expect(
            report.diagnostics.map { $0.json(lineIndex: nil)["path"] } == [
                "/interaction/additionalParams/a~1b~0c", "/interaction/additionalParams/a~1b~0c",
            ])
    }
}

/// One definition of the wire form: the bytes `write(into:)` produces are exactly the JSONValue
/// form written back, for every shape a diagnostic can take.
struct DiagnosticWireBytesTests {
    static let text = Array(#"{"a/b~c": {"k\"ey": "é😀\u0001"}, "interaction": {"userPhoneNumber": 1}}"#.utf8)

    static let diagnostics: [Diagnostic] = [
        Diagnostic(.wrongType, "plain", path: "/interaction/userPhoneNumber", span: SourceSpan(start: 60, end: 61)),
        Diagnostic(
            .unknownMember, "quotes \" and \\ and \n and \u{1} and é😀", path: JSONPointer(["a/b~c", "k\"ey", "ctl\u{1}"]),
            span: SourceSpan(start: 1, end: 8)),
        Diagnostic(.invalidSysId, "no span", path: "", span: nil),
        Diagnostic(
            .invalidPhoneNumber, "fix", path: "/x/0", span: SourceSpan(start: 0, end: Self.text.count),
            fix: DiagnosticFix(title: "Use \"+1\"", edit: .replaceValue(["a": [1, 2.5, nil, true, "s"]]))),
        Diagnostic(
            .unknownMember, "rename", path: "/phonelogs", span: SourceSpan(start: 20, end: 30),
            fix: DiagnosticFix(title: "Rename to phoneLogs", edit: .renameKey("phone\"Logs"))),
    ]

    @Test(arguments: [PositionEncoding.utf16, .utf8])
    func bytesAreTheValueWritten(encoding: PositionEncoding) {
        for lineIndex in [nil, LineIndex(Self.text)] {
            for diagnostic in Self.diagnostics {
                var bytes: [UInt8] = []
                diagnostic.write(into: &bytes, lineIndex: lineIndex, encoding: encoding)
                let value = diagnostic.json(lineIndex: lineIndex, encoding: encoding)
                #expect(bytes == JSONWriter.serialize(value), "\(diagnostic.message)")
                #expect(value["path"]?.stringValue == diagnostic.path.description)
                #expect(value["message"]?.stringValue == diagnostic.message)
            }
        }
    }

    @Test func arraysJoinTheSameBytes() {
        var bytes: [UInt8] = []
        Diagnostic.writeArray(Self.diagnostics, into: &bytes, lineIndex: LineIndex(Self.text))
        let values = JSONValue.array(Self.diagnostics.map { $0.json(lineIndex: LineIndex(Self.text)) })
        #expect(bytes == JSONWriter.serialize(values))
        var empty: [UInt8] = []
        Diagnostic.writeArray([], into: &empty, lineIndex: nil)
        #expect(empty == Array("[]".utf8))
    }

    @Test(arguments: [0, 7, 9, 10, 99, 12345, -1, -10, Int.max, Int.min])
    func integersAreWrittenAsStringDoes(_ value: Int) {
        var bytes: [UInt8] = []
        JSONWriter.writeInteger(value, into: &bytes)
        #expect(bytes == Array(String(value).utf8))
    }
}
