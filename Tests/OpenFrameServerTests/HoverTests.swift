import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

struct HoverTests {
    static let uri = "file:///p/call.create.json"
    static let text = """
        {
          "interaction": {
            "userPhoneNumber": "+14089965744",
            "callbackPhoneNumber": "+14089965744",
            "additionalParams": {"direction": "inbound"}
          },
          "phoneLogs": [{"call_id": "1", "start_time": "2024-11-04 21:45:00"}],
          "relatedRecords": [{"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}],
          "bogus": 1
        }
        """

    func client(_ uri: String = Self.uri, _ text: String = Self.text) -> EditorClient {
        let client = EditorClient()
        client.open(uri, text)
        return client
    }

    @Test func memberNameShowsTheReferenceDescription() throws {
        let hover = client().hover(Self.uri, locate("userPhoneNumber", in: Self.text, plus: 3))
        let result = try #require(hover["result"])
        #expect(
            result == [
                "contents": [
                    "kind": "markdown",
                    "value": """
                    **userPhoneNumber** — `interaction.userPhoneNumber`

                    Phone number of the user that made the call associated with the voice interaction.

                    - Type: string; E.164: `+`, country code and number, digits only (e.g. `+14089965744`)
                    - Required: yes, in a create payload (this document is one); not in an update
                    """,
                ],
                // The key, quotes included.
                "range": range((2, 4), (2, 21)),
            ])
    }

    @Test func mappingAndRequirementInAnUpdate() throws {
        let uri = "file:///p/call.update.json"
        let client = client(uri)
        let callback = try #require(
            client.hover(uri, locate("\"callbackPhoneNumber", in: Self.text))["result"]?["contents"]?["value"]?.stringValue)
        #expect(callback.contains("- Maps to: caller_phone_number field in the Interaction [interaction] table"))
        #expect(callback.contains("- Required: no"))
        let user = try #require(client.hover(uri, locate("userPhoneNumber", in: Self.text))["result"]?["contents"]?["value"]?.stringValue)
        #expect(user.contains("- Required: no, in an update payload (this document is one); yes in a create"))
    }

    @Test func nestedMembersAndRecordFields() throws {
        let client = client()
        let documentId = try #require(client.hover(Self.uri, locate("documentId", in: Self.text))["result"])
        #expect(
            documentId["contents"]?["value"]?.stringValue?.hasPrefix(
                "**documentId** — `relatedRecords.documentId`\n\nSys_id of the related record.") == true)
        #expect(documentId["contents"]?["value"]?.stringValue?.contains("- Required: yes\n") == true)
        let startTime = try #require(
            client.hover(Self.uri, locate("start_time", in: Self.text))["result"]?["contents"]?["value"]?.stringValue)
        #expect(startTime.contains("`phoneLogs.start_time`"))
        #expect(startTime.contains("- Type: string or null; date-time `yyyy-MM-dd HH:mm:ss`, read in the instance's or user's time zone\n"))
        let direction = try #require(client.hover(Self.uri, locate("direction", in: Self.text))["result"])
        #expect(
            direction["contents"]?["value"]?.stringValue?.hasPrefix(
                "**direction** — `interaction.additionalParams.direction`\n\nA name-value pair of `interaction.additionalParams`: Name-value pairs"
            ) == true)
        #expect(direction["range"] == rangeOf("\"direction\"", in: Self.text))
        let interaction = try #require(
            client.hover(Self.uri, locate("interaction", in: Self.text))["result"]?["contents"]?["value"]?.stringValue)
        #expect(interaction.hasPrefix("**interaction**\n\nDetails of the voice interaction."))
    }

    @Test func nothingOnValuesUnknownNamesOrBetweenTokens() {
        let client = client()
        #expect(client.hover(Self.uri, locate("+1408", in: Self.text, plus: 2))["result"] == .null)
        #expect(client.hover(Self.uri, locate("bogus", in: Self.text))["result"] == .null)
        #expect(client.hover(Self.uri, locate("\"userPhoneNumber\": ", in: Self.text, plus: 18))["result"] == .null)
        #expect(client.hover(Self.uri, (0, 0))["result"] == .null)
    }

    @Test func theKeysEdgesCount() {
        let client = client()
        let opening = locate("\"userPhoneNumber\"", in: Self.text)
        #expect(client.hover(Self.uri, opening)["result"]?["range"] == range((2, 4), (2, 21)))
        #expect(client.hover(Self.uri, (2, 20))["result"]?["range"] == range((2, 4), (2, 21)))
        #expect(client.hover(Self.uri, (2, 21))["result"] == .null)
    }

    @Test func halfTypedDocuments() throws {
        let text = "{\n  \"interaction\": {\n    \"inboundId\": \n"
        let client = client(Self.uri, text)
        let hover = try #require(client.hover(Self.uri, (2, 7))["result"])
        #expect(hover["range"] == range((2, 4), (2, 15)))
        #expect(hover["contents"]?["value"]?.stringValue?.contains("Provider Channel Application") == true)
    }

    @Test func multiByteCharactersBeforeTheKeyInBothEncodings() throws {
        let text = #"{"interaction": {"clientSessionId": "😀😀", "inboundId": "x"}}"#
        let utf16 = EditorClient()
        utf16.open(Self.uri, text)
        #expect(utf16.hover(Self.uri, (0, 46))["result"]?["range"] == range((0, 44), (0, 55)))
        let utf8 = EditorClient(positionEncodings: ["utf-8"])
        utf8.open(Self.uri, text)
        #expect(utf8.hover(Self.uri, (0, 50))["result"]?["range"] == range((0, 48), (0, 59)))
    }

    @Test func outOfRangePositionsAreClampedAndBadParamsAnswered() {
        let client = client()
        #expect(client.hover(Self.uri, (999, 999))["result"] == .null)
        #expect(client.hover(Self.uri, (2, 999))["result"] == .null)
        #expect(client.hover(Self.uri, (2, 999))["error"] == nil)
        let missing = client.request("textDocument/hover", ["textDocument": ["uri": .string(Self.uri)]])
        #expect(missing["error"]?["code"] == -32602)
        #expect(missing["error"]?["message"]?.stringValue?.contains("params.position") == true)
        let negative = client.request(
            "textDocument/hover", ["textDocument": ["uri": .string(Self.uri)], "position": ["line": -1, "character": 0]])
        #expect(negative["error"]?["code"] == -32602)
    }

    @Test func documentsThatAreNotOpenHoverNothing() {
        let client = EditorClient()
        let response = client.hover("file:///nowhere.json", (0, 0))
        #expect(response["result"] == .null)
        #expect(response["error"] == nil)
    }
}
