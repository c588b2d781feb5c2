import Foundation
import JSON
import Testing

@testable import OpenFrameServer

struct ValidateMethodTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("examples")

    func validate(_ params: JSONValue) async throws -> JSONValue {
        let harness = ServiceHarness()
        harness.request(1, "openframe/validate", params)
        return try #require(await harness.response(1))
    }

    /// Params as raw JSON text (for repeated keys, which a JSONValue cannot hold).
    func validateRaw(params: String) async throws -> JSONValue {
        let harness = ServiceHarness()
        harness.server.receive(frame: Array(#"{"jsonrpc":"2.0","id":1,"method":"openframe/validate","params":\#(params)}"#.utf8))
        return try #require(await harness.response(1))
    }

    @Test func bothExamplesAreValid() async throws {
        let create = try String(contentsOf: Self.examples.appendingPathComponent("voice-interaction.create.json"), encoding: .utf8)
        let update = try String(contentsOf: Self.examples.appendingPathComponent("voice-interaction.update.json"), encoding: .utf8)
        let created = try await validate(["operation": "create", "text": .string(create)])
        #expect(created["result"]?["valid"] == true)
        #expect(created["result"]?["diagnostics"]?.arrayValue?.map { $0["code"] } == ["impossible-phone-number"])
        let updated = try await validate([
            "operation": "update", "text": .string(update), "interactionSysId": "12961fff7fb2d2102d0cd3cf8c86652b",
        ])
        #expect(updated["result"] == ["valid": true, "diagnostics": []])
    }

    @Test func textGivesRangesInUTF16OrUTF8() async throws {
        // "é" before the bad value: 1 UTF-16 unit, 2 UTF-8 bytes.
        let text = "{\"interaction\": {\"clientSessionId\": \"é\", \"userPhoneNumber\": \"123\"}}"
        let utf16 = try await validate(["text": .string(text)])
        let diagnostic = try #require(utf16["result"]?["diagnostics"]?.arrayValue?.first)
        #expect(diagnostic["code"] == "invalid-phone-number")
        #expect(diagnostic["path"] == "/interaction/userPhoneNumber")
        #expect(diagnostic["range"] == ["start": ["line": 0, "character": 60], "end": ["line": 0, "character": 65]])
        let utf8 = try await validate(["text": .string(text), "positionEncoding": "utf-8"])
        #expect(utf8["result"]?["diagnostics"]?[0]?["range"]?["start"]?["character"] == 61)
    }

    @Test func payloadGivesNoRanges() async throws {
        let answer = try await validate(["operation": "create", "payload": ["interaction": [:]]])
        let diagnostics = try #require(answer["result"]?["diagnostics"]?.arrayValue)
        #expect(answer["result"]?["valid"] == false)
        #expect(diagnostics.map { $0["code"] } == ["missing-member"])
        #expect(diagnostics[0]["path"] == "/interaction/userPhoneNumber")
        #expect(diagnostics[0]["range"] == nil)
    }

    @Test func syntaxErrorInTextIsADiagnosticNotAnError() async throws {
        let answer = try await validate(["text": "{\"interaction\": {,}}"])
        #expect(answer["error"] == nil)
        #expect(answer["result"]?["valid"] == false)
        #expect(answer["result"]?["diagnostics"]?[0]?["code"] == "json-syntax")
        #expect(answer["result"]?["diagnostics"]?[0]?["range"]?["start"] == ["line": 0, "character": 17])
    }

    /// The sys_id is checked when given, never required (the same rule as the CLI's --sys-id).
    @Test func updateChecksAGivenSysId() async throws {
        let payload: JSONValue = ["interaction": ["clientSessionId": "x"]]
        let missing = try await validate(["operation": "update", "payload": payload])
        #expect(missing["result"] == ["valid": true, "diagnostics": []])
        let bad = try await validate(["operation": "update", "payload": payload, "interactionSysId": "../../etc"])
        #expect(bad["result"]?["diagnostics"]?[0]?["code"] == "invalid-sys-id")
        #expect(bad["result"]?["valid"] == false)
    }

    static let badParams: [(JSONValue, String)] = [
        (JSONValue.array([]), "params must be an object"),
        (["operation": "delete", "payload": [:]], "params.operation must be \"create\" or \"update\""),
        (["operation": "create"], "expected params.payload"),
        (["payload": [:], "text": "{}"], "not both"),
        (["text": 5], "params.text must be a string"),
        (["payload": [:], "extra": 1], "unknown member params.extra"),
        (["payload": [:], "positionEncoding": "utf-32"], "params.positionEncoding must be"),
        (["payload": [:], "interactionSysId": 5], "params.interactionSysId must be a string"),
        // Read in one pass, checked in the same order as before: an unknown member first, then
        // operation, interactionSysId, positionEncoding; payload/text last.
        (["operation": "delete", "payload": [:], "extra": 1], "unknown member params.extra"),
        (["operation": 1, "interactionSysId": 5, "positionEncoding": 7], "params.operation must be a string"),
        (["interactionSysId": 5, "positionEncoding": 7], "params.interactionSysId must be a string"),
        (["positionEncoding": 7], "params.positionEncoding must be a string"),
        (["operation": "delete", "text": 5], "params.operation must be \"create\" or \"update\""),
    ]

    @Test func aRepeatedMemberCountsItsLastValue() async throws {
        let frame =
            #"{"operation":"update","interactionSysId":"nope","payload":{"interaction":{}},"operation":"create","payload":{"interaction":{"clientSessionId":"x"}}}"#
        let answer = try await validateRaw(params: frame)
        #expect(answer["result"]?["valid"] == false)
        // As a create: the sys_id is ignored and userPhoneNumber is missing.
        #expect(answer["result"]?["diagnostics"]?.arrayValue?.contains { $0["code"] == "invalid-sys-id" } == false)
        #expect(answer["result"]?["diagnostics"]?.arrayValue?.contains { $0["code"] == "missing-member" } == true)
    }

    @Test(arguments: badParams)
    func badParamsAreInvalidParams(_ params: JSONValue, _ phrase: String) async throws {
        let answer = try await validate(params)
        #expect(answer["error"]?["code"] == -32602)
        #expect(answer["error"]?["message"]?.stringValue?.contains(phrase) == true, "\(answer)")
    }

    @Test func payloadThatIsNotAnObjectIsADiagnostic() async throws {
        let answer = try await validate(["payload": [1, 2]])
        #expect(answer["result"]?["valid"] == false)
        #expect(answer["result"]?["diagnostics"]?[0]?["code"] == "wrong-type")
    }
}
