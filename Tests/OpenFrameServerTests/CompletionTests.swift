import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

struct CompletionTests {
    static let uri = "file:///p/call.create.json"

    /// Opens `marked` without its `|` and asks for completion where the `|` was.
    func complete(_ marked: String, uri: String = Self.uri, snippets: Bool = false, encodings: [String]? = nil) -> JSONValue {
        let client = EditorClient(positionEncodings: encodings, snippets: snippets)
        let text = marked.replacingOccurrences(of: "|", with: "")
        client.open(uri, text)
        let encoding: PositionEncoding = encodings?.contains("utf-8") == true ? .utf8 : .utf16
        return client.completion(uri, locate("|", in: marked, encoding: encoding))
    }

    func labels(_ response: JSONValue) -> [String] {
        response["result"]?["items"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
    }

    func item(_ response: JSONValue, _ label: String) -> JSONValue? {
        response["result"]?["items"]?.arrayValue?.first { $0["label"]?.stringValue == label }
    }

    static let interactionMembers = ["userPhoneNumber", "clientSessionId", "callbackPhoneNumber", "inboundId", "additionalParams"]

    @Test func insideEmptyQuotesReplacesTheQuotesAndAddsTheColon() throws {
        let response = complete(#"{"interaction": {"|"}}"#)
        #expect(response["result"]?["isIncomplete"] == false)
        #expect(labels(response) == Self.interactionMembers)
        let entry = try #require(item(response, "userPhoneNumber"))
        #expect(
            entry == [
                "label": "userPhoneNumber",
                "kind": 10,
                "detail": "string, E.164 · required",
                "documentation": ["kind": "markdown", "value": entry["documentation"]!["value"]!],
                "sortText": "00",
                "filterText": "\"userPhoneNumber\"",
                "insertTextFormat": 1,
                "textEdit": ["range": range((0, 17), (0, 19)), "newText": "\"userPhoneNumber\": "],
            ])
        #expect(entry["documentation"]?["value"]?.stringValue?.hasPrefix("**userPhoneNumber** — `interaction.userPhoneNumber`") == true)
    }

    @Test func aPartlyTypedNameIsReplacedWholeAndPresentMembersSkipped() throws {
        let response = complete(#"{"interaction": {"clientSessionId": "x", "us|"}}"#)
        #expect(labels(response) == ["userPhoneNumber", "callbackPhoneNumber", "inboundId", "additionalParams"])
        #expect(item(response, "userPhoneNumber")?["textEdit"] == ["range": range((0, 41), (0, 45)), "newText": "\"userPhoneNumber\": "])
    }

    @Test func anExistingColonIsKept() {
        let response = complete(#"{"interaction": {"us|": "+14089965744"}}"#)
        #expect(item(response, "userPhoneNumber")?["textEdit"] == ["range": range((0, 17), (0, 21)), "newText": "\"userPhoneNumber\""])
        // The name under the cursor is the one being replaced, so it does not count as present.
        #expect(labels(response) == Self.interactionMembers)
    }

    @Test func aBareWordGetsQuoted() {
        let response = complete(#"{"interaction": {inb|}}"#)
        let inbound = item(response, "inboundId")
        #expect(inbound?["textEdit"] == ["range": range((0, 17), (0, 20)), "newText": "\"inboundId\": "])
        #expect(inbound?["filterText"] == "inboundId")
    }

    @Test func betweenMembersInsertsAtTheCursor() {
        let top = complete("{|}")
        #expect(labels(top) == ["interaction", "interactionContext", "phoneLogs", "relatedRecords"])
        #expect(item(top, "phoneLogs")?["textEdit"] == ["range": range((0, 1), (0, 1)), "newText": "\"phoneLogs\": "])
        #expect(labels(complete(#"{"interaction": {}, |}"#)) == ["interactionContext", "phoneLogs", "relatedRecords"])
        #expect(labels(complete("{\n  \"interactionContext\": {},\n  |\n  \"phoneLogs\": []\n}")) == ["interaction", "relatedRecords"])
    }

    @Test func relatedRecordsAndPhoneLogs() {
        #expect(labels(complete(#"{"relatedRecords": [{"documentTable": "x", |}]}"#)) == ["documentId"])
        #expect(
            labels(complete(#"{"relatedRecords": [{"documentTable": "x", "documentId": "y"}, {"|"}]}"#)) == ["documentTable", "documentId"])
        let phoneLog = complete(#"{"phoneLogs": [{}, {"call_id": 1, |}]}"#)
        #expect(labels(phoneLog) == ["agent", "start_time", "end_time"])
        #expect(item(phoneLog, "agent")?["detail"] == "string, number, boolean or null")
        #expect(item(phoneLog, "end_time")?["detail"] == "string or null, yyyy-MM-dd HH:mm:ss")
    }

    @Test func nothingForValuesOrOpenNameValueObjects() {
        #expect(labels(complete(#"{"interaction": |}"#)).isEmpty)
        #expect(labels(complete(#"{"interaction": {"inboundId": "|"}}"#)).isEmpty)
        #expect(labels(complete(#"{"interaction": {"additionalParams": {|}}}"#)).isEmpty)
        #expect(labels(complete(#"{"phoneLogs": [|]}"#)).isEmpty)
        #expect(labels(complete(#"{"bogus": {|}}"#)).isEmpty)
        #expect(complete("|")["result"] == ["isIncomplete": false, "items": []])
    }

    @Test func halfTypedDocuments() {
        // No closing quote, brace or bracket: what the text looks like while it is typed.
        #expect(
            labels(complete("{\n  \"interaction\": {\n    \"clientSessionId\": \"s\",\n    \"u|\n")) == [
                "userPhoneNumber", "callbackPhoneNumber", "inboundId", "additionalParams",
            ])
        #expect(labels(complete("{\n  \"relatedRecords\": [\n    {|\n")) == ["documentTable", "documentId"])
        // A missing comma after the previous member.
        #expect(
            labels(complete("{\"interaction\": {\"inboundId\": \"x\" \"|\"}}")) == [
                "userPhoneNumber", "clientSessionId", "callbackPhoneNumber", "additionalParams",
            ])
    }

    @Test func aDuplicateIsNotOffered() {
        #expect(!labels(complete(#"{"interaction": {"userPhoneNumber": "1", "userPhone|"}}"#)).contains("userPhoneNumber"))
    }

    @Test func snippetsFillInTheValue() {
        let response = complete(#"{"interaction": {"|"}}"#, snippets: true)
        #expect(item(response, "userPhoneNumber")?["textEdit"]?["newText"] == "\"userPhoneNumber\": \"$1\"")
        #expect(item(response, "userPhoneNumber")?["insertTextFormat"] == 2)
        #expect(item(response, "additionalParams")?["textEdit"]?["newText"] == "\"additionalParams\": {$1}")
        // Before another member: a comma separates them.
        let before = complete(#"{|"interaction": {}}"#, snippets: true)
        #expect(item(before, "phoneLogs")?["textEdit"] == ["range": range((0, 1), (0, 1)), "newText": "\"phoneLogs\": [$1],"])
        // With a colon already there, the name alone.
        #expect(item(complete(#"{"interaction": {"in|": 1}}"#, snippets: true), "inboundId")?["textEdit"]?["newText"] == "\"inboundId\"")
    }

    @Test func multiByteCharactersBeforeTheCursor() {
        let marked = #"{"interaction": {"clientSessionId": "😀é", "|"}}"#
        #expect(item(complete(marked), "inboundId")?["textEdit"]?["range"] == range((0, 43), (0, 45)))
        #expect(item(complete(marked, encodings: ["utf-8"]), "inboundId")?["textEdit"]?["range"] == range((0, 46), (0, 48)))
    }

    @Test func requiredDependsOnTheOperation() {
        let update = complete(#"{"interaction": {"|"}}"#, uri: "file:///p/x.update.json")
        #expect(item(update, "userPhoneNumber")?["detail"] == "string, E.164")
    }

    @Test func documentsThatAreNotOpenAreAnError() {
        let client = EditorClient()
        let response = client.completion("untitled:Untitled-9", (0, 0))
        #expect(response["error"]?["code"] == -32602)
        #expect(
            response["error"]?["message"]
                == "textDocument/completion: the document untitled:Untitled-9 is not open; send textDocument/didOpen first")
    }
}
