import JSON
import Testing

@testable import OpenFrame

struct ValidationReportTests {
    @Test(
        arguments: [
            ([], true),
            ([.warning], true),
            ([.information, .warning], true),
            ([.error], false),
            ([.warning, .error, .information], false),
        ] as [([Diagnostic.Severity], Bool)])
    func validExactlyWithoutErrors(_ severities: [Diagnostic.Severity], _ valid: Bool) {
        let report = ValidationReport(
            diagnostics: severities.map {
                Diagnostic(severity: $0, code: .unknownMember, message: "m", path: "")
            })
        #expect(report.isValid == valid)
    }

    @Test func diagnosticsComeInDocumentOrder() {
        let text = """
            {"relatedRecords": [{"documentTable": "Bad Table", "documentId": 3}],
             "interaction": {"userPhoneNumber": "0800", "Extra": 1, "clientSessionId": ""},
             "phonelogs": [],
             "interaction": {"userPhoneNumber": "+14089965744"}}
            """
        let report = validate(text, .update, sysId: "nope")
        #expect(
            report.diagnostics.map(\.code) == [
                .invalidSysId,  // not in the text: first
                .invalidTableName, .wrongType,
                .invalidPhoneNumber, .unknownMember, .emptyString,
                .unknownMember,
                .duplicateKey,
            ])
        let starts = report.diagnostics.compactMap { $0.span?.start }
        #expect(starts == starts.sorted())
    }

    @Test func sameSpanOrdersByPath() {
        // The key of an unknown member and a duplicate of it share a span; ties are broken by path, then found order.
        let report = validate(#"{"interaction": {"userPhoneNumber": "+14089965744"}, "x": 1, "x": 2}"#)
        #expect(report.diagnostics.map(\.code) == [.unknownMember, .unknownMember, .duplicateKey])
        #expect(report.diagnostics[1].span == report.diagnostics[2].span)
    }

    @Test func aParsedPayloadKeepsItsDocumentsSpans() throws {
        let text =
            #"{"id": 1, "id": 2, "params": {"payload": {"interaction": {"userPhoneNumber": 1, "inboundId": "a", "inboundId": "b"}}}}"#
        let document = try JSONParser.parse(text)
        let payload = try #require(document.root["params"]?["payload"])
        let report = Validator.validate(payload, operation: .create, interactionSysId: nil)
        // The envelope's duplicate "id" is not the payload's business.
        #expect(report.diagnostics.map(\.code) == [.wrongType, .duplicateKey])
        #expect(covered(report.diagnostics[0].span, in: text) == "1")
        #expect(report.diagnostics[1].path == "/interaction/inboundId")
        #expect(covered(report.diagnostics[1].span, in: text) == #""inboundId""#)
        // Missing members of a payload with no key of its own point at its brace.
        let missing = Validator.validate(try #require(document.root["params"]), operation: .create, interactionSysId: nil)
        #expect(missing.diagnostics.first { $0.code == .missingMember }.map { covered($0.span, in: text) } == "{")
    }

    @Test func duplicatesAreFoundWhereTheWalkDoesNotGo() {
        let text = #"{"interaction": {"userPhoneNumber": "+14089965744"}, "extra": [{"a": 1, "a": 2}]}"#
        let report = validate(text)
        let duplicate = report.diagnostics.first { $0.code == .duplicateKey }
        #expect(duplicate?.path == "/extra/0/a")
        #expect(duplicate?.message.contains("in extra[0]") == true)
        #expect(duplicate?.span.map { $0.start } == Array(text.utf8).lastIndex(of: UInt8(ascii: "a")).map { $0 - 1 })
    }

    @Test func aSyntaxErrorIsTheOnlyDiagnostic() {
        let report = validate(#"{"interaction": {"userPhoneNumber": 1,}}"#, .update, sysId: nil)
        #expect(report.diagnostics.count == 1)
        #expect(report.diagnostics.first?.code == .jsonSyntax)
        #expect(report.diagnostics.first?.span == SourceSpan(start: 38, end: 39))
        #expect(!report.isValid)
    }
}
