import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

/// didOpen/didChange/didClose and the diagnostics they publish.
@Suite(.timeLimit(.minutes(1)))
struct DocumentSyncTests {
    static let uri = "file:///work/payloads/call.create.json"

    /// Multi-byte characters before the phone number: ☕ (3 bytes, 1 UTF-16 unit), 😀 (4 bytes, 2 units), é (2 bytes, 1 unit).
    static let text = """
        {
          "interaction": {"clientSessionId": "☕😀é", "userPhoneNumber": "+1 408 996 5744"}
        }
        """

    @Test func openPublishesTheCoresDiagnosticsWithExactRanges() async throws {
        let client = EditorClient()
        client.open(Self.uri, Self.text, version: 7)
        let published = try #require(await client.waitForPublish(Self.uri, version: 7))
        let diagnostics = try #require(published["diagnostics"]?.arrayValue)
        try #require(diagnostics.count == 1)
        #expect(
            diagnostics[0] == [
                "range": range((1, 64), (1, 81)),
                "severity": 1,
                "code": "invalid-phone-number",
                "source": "openframe",
                "message": diagnostics[0]["message"]!,
                "data": ["path": "/interaction/userPhoneNumber"],
            ])
        #expect(diagnostics[0]["message"]?.stringValue?.contains("did you mean +14089965744?") == true)
        #expect(client.output.values.allSatisfy { $0["id"] == nil || $0["id"]?.intValue == 101 }, "notifications are never answered")
    }

    @Test func utf8CountsBytes() async throws {
        let client = EditorClient(positionEncodings: ["utf-8"])
        client.open(Self.uri, Self.text)
        let published = try #require(await client.waitForPublish(Self.uri, version: 1))
        #expect(published["diagnostics"]?.arrayValue?.first?["range"] == range((1, 69), (1, 86)))
    }

    @Test(arguments: [PositionEncoding.utf16, .utf8])
    func incrementalChangesAfterMultiByteCharacters(_ encoding: PositionEncoding) async throws {
        let client = EditorClient(positionEncodings: encoding == .utf8 ? ["utf-8"] : nil)
        var text = Self.text
        client.open(Self.uri, text)
        _ = try #require(await client.waitForPublish(Self.uri, version: 1))

        // Fix the number in place: replace the value's content, which follows ☕😀é on its line.
        let content = locate("+1 408", in: text, encoding: encoding)
        let contentEnd = locate("5744\"", in: text, plus: 4, encoding: encoding)
        client.change(Self.uri, version: 2, [edit(range(content, contentEnd), "+14089965744")])
        text = text.replacingOccurrences(of: "+1 408 996 5744", with: "+14089965744")
        let fixed = try #require(await client.waitForPublish(Self.uri, version: 2))
        #expect(fixed["diagnostics"] == [])

        // Two edits in one notification, each against the text the previous left: a misspelt member
        // after the multi-byte characters, then an emoji inserted before them.
        let afterNumber = locate("5744\"", in: text, plus: 5, encoding: encoding)
        let beforeCoffee = locate("☕", in: text, encoding: encoding)
        client.change(
            Self.uri, version: 3,
            [
                edit(range(afterNumber, afterNumber), #", "inboundID": "x""#),
                edit(range(beforeCoffee, beforeCoffee), "🎉"),
            ])
        text = text.replacingOccurrences(of: #"5744""#, with: #"5744", "inboundID": "x""#).replacingOccurrences(of: "☕", with: "🎉☕")
        let misspelt = try #require(await client.waitForPublish(Self.uri, version: 3))
        let diagnostics = try #require(misspelt["diagnostics"]?.arrayValue)
        try #require(diagnostics.count == 1)
        #expect(diagnostics[0]["code"] == "unknown-member")
        #expect(diagnostics[0]["severity"] == 2)
        #expect(diagnostics[0]["range"] == rangeOf(#""inboundID""#, in: text, encoding: encoding))
        let expected: JSONValue = encoding == .utf16 ? range((1, 82), (1, 93)) : range((1, 89), (1, 100))
        #expect(diagnostics[0]["range"] == expected)
    }

    @Test func fullTextChangesReplaceTheDocument() async throws {
        let client = EditorClient()
        client.open(Self.uri, Self.text)
        _ = try #require(await client.waitForPublish(Self.uri, version: 1))
        client.change(Self.uri, version: 2, [fullText("{}")])
        let published = try #require(await client.waitForPublish(Self.uri, version: 2))
        #expect(published["diagnostics"]?.arrayValue?.map { $0["code"] } == ["missing-member"])
        // A missing member is reported at the enclosing object's opening brace.
        #expect(published["diagnostics"]?.arrayValue?.first?["range"] == range((0, 0), (0, 1)))
    }

    @Test func missingMemberPointsAtTheEnclosingKey() async throws {
        let client = EditorClient()
        client.open(Self.uri, "{\n  \"interaction\": {\"clientSessionId\": \"s\"}\n}")
        let published = try #require(await client.waitForPublish(Self.uri, version: 1))
        let diagnostic = try #require(published["diagnostics"]?.arrayValue?.first)
        #expect(diagnostic["code"] == "missing-member")
        #expect(diagnostic["data"] == ["path": "/interaction/userPhoneNumber"])
        #expect(diagnostic["range"] == range((1, 2), (1, 15)))
    }

    @Test func closeClearsTheDiagnostics() async throws {
        let client = EditorClient()
        client.open(Self.uri, Self.text)
        _ = try #require(await client.waitForPublish(Self.uri, version: 1))
        client.close(Self.uri)
        let cleared = try #require(await client.waitForPublish(Self.uri) { $0["version"] == nil })
        #expect(cleared == ["uri": .string(Self.uri), "diagnostics": []])
        // Requests about it now say it is not open.
        let completion = client.completion(Self.uri, (1, 5))
        #expect(completion["error"]?["code"] == -32602)
        #expect(completion["error"]?["message"]?.stringValue?.contains("is not open") == true)
        #expect(client.hover(Self.uri, (1, 5))["result"] == .null)
    }

    @Test func operationFollowsTheDocumentName() async throws {
        let client = EditorClient()
        // No userPhoneNumber: required to create, not to update.
        let text = #"{"interaction": {"clientSessionId": "s-1"}}"#
        let names =
            [
                "file:///p/call.update.json": [],
                "file:///p/CALL.UPDATE.JSON": [],
                "file:///p/call.create.json": ["missing-member"],
                "file:///p/call.json": ["missing-member"],
                "file:///p/update.json.bak": ["missing-member"],
                "untitled:Untitled-1": ["missing-member"],
                "file:///p/a%20b.update.json?x=1#frag": [],
            ] as [String: [JSONValue]]
        for (uri, _) in names { client.open(uri, text) }
        for (uri, codes) in names {
            let published = try #require(await client.waitForPublish(uri, version: 1), "\(uri)")
            #expect(published["diagnostics"]?.arrayValue?.map { $0["code"]! } == codes, "\(uri)")
        }
    }

    @Test func aBadChangeIsIgnoredUntilAFullSyncRepairs() async throws {
        let client = EditorClient()
        client.open(Self.uri, Self.text)
        _ = try #require(await client.waitForPublish(Self.uri, version: 1))
        let before = client.output.count
        // Start after end, a missing text, a negative line: each ignored, never answered.
        client.change(Self.uri, version: 2, [edit(range((1, 5), (0, 0)), "x")])
        client.change(Self.uri, version: 3, [["range": range((0, 0), (0, 0))]])
        client.change(Self.uri, version: 4, [edit(range((-1, 0), (0, 0)), "x")])
        // Incremental changes to the lost text are ignored too…
        client.change(Self.uri, version: 5, [edit(range((0, 0), (0, 0)), "garbage")])
        await client.settle()
        #expect(client.output.count == before)
        // …until a full text repairs it.
        client.change(Self.uri, version: 6, [fullText(#"{"interaction": {"userPhoneNumber": "+14089965744"}}"#)])
        let repaired = try #require(await client.waitForPublish(Self.uri, version: 6))
        #expect(repaired["diagnostics"] == [])
        client.change(Self.uri, version: 7, [edit(range((0, 1), (0, 1)), #""x": 1, "#)])
        let next = try #require(await client.waitForPublish(Self.uri, version: 7))
        #expect(next["diagnostics"]?.arrayValue?.map { $0["code"] } == ["unknown-member"])
    }

    @Test func positionsPastTheEndAreClamped() async throws {
        let client = EditorClient()
        client.open(Self.uri, "{}")
        _ = try #require(await client.waitForPublish(Self.uri, version: 1))
        // Past the line's end means the line's end; past the last line means the end of the text.
        client.change(Self.uri, version: 2, [edit(range((0, 1), (0, 99)), #""interaction": {"userPhoneNumber": "+14089965744"}"#)])
        client.change(Self.uri, version: 3, [edit(range((40, 0), (41, 3)), "}")])
        let published = try #require(await client.waitForPublish(Self.uri, version: 3))
        #expect(published["diagnostics"] == [])
    }

    @Test func changesForAnUnknownDocumentAreIgnoredUnlessFull() async throws {
        let client = EditorClient()
        let uri = "untitled:Untitled-2"
        client.change(uri, version: 2, [edit(range((0, 0), (0, 0)), "x")])
        await client.settle()
        #expect(client.publishes(uri).isEmpty)
        client.change(uri, version: 3, [edit(range((0, 0), (0, 0)), "x"), fullText("{}")])
        let adopted = try #require(await client.waitForPublish(uri, version: 3))
        #expect(adopted["diagnostics"]?.arrayValue?.map { $0["code"] } == ["missing-member"])
    }

    @Test func malformedNotificationsAreNeverAnswered() async {
        let client = EditorClient()
        let before = client.output.count
        client.notify("textDocument/didOpen", ["textDocument": ["uri": 1]])
        client.notify("textDocument/didOpen", [:])
        client.notify("textDocument/didChange", ["textDocument": ["uri": "file:///x.json"], "contentChanges": "no"])
        client.notify("textDocument/didClose", ["textDocument": ["uri": "file:///never-opened.json"]])
        await client.settle()
        #expect(client.output.count == before)
    }

    @Test func syntaxErrorsAreOneDiagnosticAtTheParserOffset() async throws {
        let client = EditorClient()
        client.open(Self.uri, "{\n  \"interaction\": {\n")
        let published = try #require(await client.waitForPublish(Self.uri, version: 1))
        let diagnostics = try #require(published["diagnostics"]?.arrayValue)
        #expect(diagnostics.map { $0["code"] } == ["json-syntax"])
        #expect(diagnostics.first?["range"] == range((2, 0), (2, 0)))
    }
}
