import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

struct EditorCapabilitiesTests {
    @Test func utf8WhenOfferedAndAnnounced() {
        let client = EditorClient(initialize: false)
        let result = client.initialize(positionEncodings: ["utf-8", "utf-16"], snippets: false)
        #expect(result["result"]?["capabilities"]?["positionEncoding"] == "utf-8")
        #expect(client.editor?.options.positionEncoding == .utf8)
    }

    @Test(arguments: [nil, [], ["utf-16"], ["utf-32", "utf-16"]] as [[String]?])
    func utf16Otherwise(_ offered: [String]?) {
        let client = EditorClient(initialize: false)
        let result = client.initialize(positionEncodings: offered, snippets: false)
        #expect(result["result"]?["capabilities"]?["positionEncoding"] == "utf-16")
        #expect(client.editor?.options.positionEncoding == .utf16)
    }

    @Test func utf16BeforeAnyInitialize() {
        let client = EditorClient(initialize: false)
        #expect(client.editor?.options == ClientOptions())
        #expect(client.editor?.options.positionEncoding == .utf16)
    }

    @Test func theServiceAnnouncesEverythingInOneResult() throws {
        let client = EditorClient(service: true, initialize: false)
        let response = client.initialize(positionEncodings: ["utf-8"], snippets: true)
        let result = try #require(response["result"])
        let capabilities = try #require(result["capabilities"])
        #expect(capabilities["positionEncoding"] == "utf-8")
        #expect(capabilities["textDocumentSync"] == ["openClose": true, "change": 2])
        #expect(capabilities["hoverProvider"] == true)
        #expect(capabilities["completionProvider"] == ["triggerCharacters": ["\""], "resolveProvider": false])
        #expect(capabilities["codeActionProvider"] == ["codeActionKinds": ["quickfix"]])
        // The service's own methods and the editor's, in one list.
        let methods = capabilities["experimental"]?["openframe"]?["methods"]?.arrayValue ?? []
        #expect(methods.first == "openframe/validate")
        #expect(methods.last == "openframe/schema")
        #expect(Set(methods).count == methods.count)
        #expect(result["serverInfo"]?["name"] == "openframe-rpc")
    }

    @Test func capabilitiesAreSetAtTheirPathsInOrder() {
        var object: JSONObject = ["a": ["x": 1], "b": true]
        Registrar.set(2, at: ["a", "y"], in: &object)
        Registrar.set("new", at: ["c", "d", "e"], in: &object)
        Registrar.set(false, at: ["b"], in: &object)
        #expect(JSONValue.object(object) == ["a": ["x": 1, "y": 2], "b": false, "c": ["d": ["e": "new"]]])
    }

    /// A capability comes with its handler: the editor alone announces the editor's, the service's
    /// target only when the service is installed.
    @Test func onlyWhatIsRegisteredIsAnnounced() throws {
        let editorOnly = EditorClient(initialize: false)
        let capabilities = try #require(editorOnly.initialize(positionEncodings: nil, snippets: false)["result"]?["capabilities"])
        #expect(capabilities["experimental"] == ["openframe": ["methods": ["openframe/schema"]]])
        #expect(capabilities["hoverProvider"] == true)
        let service = EditorClient(service: true, initialize: false)
        let full = try #require(service.initialize(positionEncodings: nil, snippets: false)["result"]?["capabilities"])
        #expect(full["experimental"]?["openframe"]?["target"] == "sandbox")
        #expect(
            full["experimental"]?["openframe"]?["methods"] == [
                "openframe/validate", "openframe/createVoiceInteraction", "openframe/updateVoiceInteraction", "openframe/outbox",
                "openframe/schema",
            ])
    }
}
