import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

@Suite(.timeLimit(.minutes(1)))
struct CodeActionTests {
    static let uri = "file:///p/call.create.json"
    static let text = """
        {
          "interaction": {"userPhoneNumber": "+1 (408) 996-5744", "clientSessionID": "s"},
          "phoneLogs": [{"Start Time": "2024-11-04 21:40:00", "end_time": "2024-11-04T21:45:00"}]
        }
        """

    func opened(_ text: String = Self.text) async throws -> (EditorClient, [JSONValue]) {
        let client = EditorClient()
        client.open(Self.uri, text)
        let published = try #require(await client.waitForPublish(Self.uri, version: 1))
        return (client, published["diagnostics"]?.arrayValue ?? [])
    }

    @Test func everyFixTheCoreSuggests() async throws {
        let (client, published) = try await opened()
        let actions = try #require(client.codeActions(Self.uri, range((0, 0), (4, 0)))["result"]?.arrayValue)
        #expect(
            actions.map { $0["title"] } == [
                "Use +14089965744", "Rename to clientSessionId", "Rename to start_time", "Use 2024-11-04 21:45:00",
            ])

        let phone = try #require(published.first { $0["code"] == "invalid-phone-number" })
        let phoneEdit: JSONValue = ["range": rangeOf("\"+1 (408) 996-5744\"", in: Self.text), "newText": "\"+14089965744\""]
        #expect(
            actions[0] == [
                "title": "Use +14089965744",
                "kind": "quickfix",
                "diagnostics": [phone],
                "edit": ["changes": .object(JSONObject([(key: Self.uri, value: .array([phoneEdit]))]))],
                "isPreferred": true,
            ])
        #expect(
            actions[1]["edit"]?["changes"]?[Self.uri] == [
                ["range": rangeOf("\"clientSessionID\"", in: Self.text), "newText": "\"clientSessionId\""]
            ])
        #expect(actions[1]["diagnostics"]?.arrayValue?.first?["code"] == "unknown-member")
        #expect(
            actions[2]["edit"]?["changes"]?[Self.uri] == [["range": rangeOf("\"Start Time\"", in: Self.text), "newText": "\"start_time\""]])
        #expect(
            actions[3]["edit"]?["changes"]?[Self.uri] == [
                ["range": rangeOf("\"2024-11-04T21:45:00\"", in: Self.text), "newText": "\"2024-11-04 21:45:00\""]
            ])
        // The diagnostics an action fixes are the ones published.
        for action in actions { #expect(published.contains(action["diagnostics"]!.arrayValue![0])) }
    }

    @Test func onlyTheDiagnosticsInTheRange() async throws {
        let (client, _) = try await opened()
        let cursor = locate("clientSessionID", in: Self.text, plus: 3)
        let actions = client.codeActions(Self.uri, range(cursor, cursor))["result"]?.arrayValue
        #expect(actions?.map { $0["title"] } == ["Rename to clientSessionId"])
        // Touching the end of the value counts.
        let end = locate("5744\"", in: Self.text, plus: 5)
        #expect(client.codeActions(Self.uri, range(end, end))["result"]?.arrayValue?.map { $0["title"] } == ["Use +14089965744"])
        #expect(client.codeActions(Self.uri, range((0, 0), (0, 1)))["result"] == [])
    }

    @Test func onlyQuickFixesAreOffered() async throws {
        let (client, _) = try await opened()
        #expect(client.codeActions(Self.uri, range((0, 0), (4, 0)), only: ["refactor"])["result"] == [])
        #expect(client.codeActions(Self.uri, range((0, 0), (4, 0)), only: ["quickfix"])["result"]?.arrayValue?.count == 4)
    }

    @Test func applyingTheEditsFixesTheDocument() async throws {
        let (client, _) = try await opened()
        let actions = try #require(client.codeActions(Self.uri, range((0, 0), (4, 0)))["result"]?.arrayValue)
        // Apply from the end, as a client applies one action at a time (ranges of later ones stay valid).
        var version = 1
        for action in actions.reversed() {
            version += 1
            client.change(
                Self.uri, version: version,
                action["edit"]!["changes"]![Self.uri]!.arrayValue!.map { edit($0["range"]!, $0["newText"]!.stringValue!) })
        }
        let fixed = try #require(await client.waitForPublish(Self.uri, version: version))
        #expect(fixed["diagnostics"] == [])
    }

    @Test func afterAChangeTheActionsFollowTheNewText() async throws {
        let (client, _) = try await opened(#"{"interaction": {"userPhoneNumber": "+14089965744"}}"#)
        client.change(Self.uri, version: 2, [fullText(#"{"interaction": {"userPhoneNumber": "0044 20 7946 0958"}}"#)])
        // Asked before the new diagnostics are published: the server validates the current text itself.
        let actions = client.codeActions(Self.uri, range((0, 0), (0, 60)))["result"]?.arrayValue
        #expect(actions?.map { $0["title"] } == ["Use +442079460958"])
    }

    @Test func documentsThatAreNotOpenAreAnError() {
        let client = EditorClient()
        let response = client.codeActions("file:///not-open.json", range((0, 0), (0, 0)))
        #expect(response["error"]?["code"] == -32602)
        let backwards = client.request(
            "textDocument/codeAction",
            ["textDocument": ["uri": "file:///x.json"], "range": range((1, 0), (0, 0)), "context": ["diagnostics": []]])
        #expect(backwards["error"]?["code"] == -32602)
        #expect(backwards["error"]?["message"]?.stringValue?.contains("params.range ends (0:0) before it starts (1:0)") == true)
    }
}
