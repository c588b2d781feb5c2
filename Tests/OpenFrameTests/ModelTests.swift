import JSON
import Testing

@testable import OpenFrame

struct ModelTests {
    @Test func createExampleReadsAndWritesBackUnchanged() throws {
        let document = try JSONParser.parse(try Examples.create)
        let payload = VoiceInteraction(document.root)
        #expect(payload.interaction.userPhoneNumber == "+1303506536")
        #expect(payload.interaction.clientSessionId == "a545t65678")
        #expect(payload.interaction.callbackPhoneNumber == "+14089965744")
        #expect(payload.interaction.inboundId == nil)
        #expect(payload.interaction.additionalParams["direction"] == "inbound")
        #expect(payload.interactionContext["devicetype"] == "genesys")
        #expect(payload.phoneLogs.map(\.callId) == ["2323223", "33535353", "1997654"])
        #expect(
            payload.relatedRecords == [
                RelatedRecord(documentTable: "csm_consumer", documentId: "59e788fbdb1b1200b6075200cf9619d2"),
                RelatedRecord(documentTable: "sys_user", documentId: "62826bf03710200044e0bfc8bcbe5df1"),
            ])
        // Member order follows the reference, so the example round-trips exactly.
        #expect(payload.json == document.root.value)
    }

    @Test func updateExampleRoundTrips() throws {
        let document = try JSONParser.parse(try Examples.update)
        let payload = VoiceInteraction(document.root)
        #expect(payload.interaction.userPhoneNumber == nil)
        #expect(payload.json == document.root.value)
    }

    @Test func wireFormOrderAndOmissions() {
        let payload = VoiceInteraction(
            interaction: Interaction(
                userPhoneNumber: "+14089965744", callbackPhoneNumber: "+14089965745", clientSessionId: "s",
                inboundId: "app", additionalParams: ["direction": "inbound"]),
            relatedRecords: [RelatedRecord(documentTable: "sys_user", documentId: "62826bf03710200044e0bfc8bcbe5df1")])
        #expect(payload.json.objectValue?.keys == ["interaction", "relatedRecords"])
        #expect(
            payload.json["interaction"]?.objectValue?.keys == [
                "userPhoneNumber", "clientSessionId", "callbackPhoneNumber", "inboundId", "additionalParams",
            ])
        #expect(payload.json["relatedRecords"] == [["documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"]])
        #expect(VoiceInteraction(interaction: Interaction()).json == ["interaction": [:]])
    }

    @Test func readingIsLenient() throws {
        let text =
            #"{"interaction": {"userPhoneNumber": 5, "inboundId": "app", "extra": 1, "additionalParams": []},"#
            + #" "interactionContext": "x", "phoneLogs": [{"call_id": 7}, "junk", {"call_id": "9"}], "#
            + #""relatedRecords": [{"documentTable": "sys_user"}, 3], "more": true}"#
        let payload = VoiceInteraction(try JSONParser.parse(text).root)
        #expect(payload.interaction == Interaction(inboundId: "app"))
        #expect(payload.interactionContext.isEmpty)
        #expect(payload.phoneLogs.map(\.callId) == [nil, "9"])
        #expect(payload.relatedRecords == [RelatedRecord(documentTable: "sys_user", documentId: "")])
        #expect(VoiceInteraction(try JSONParser.parse("[]").root) == VoiceInteraction(interaction: Interaction()))
    }

    @Test func callIdIsTheCallIdField() {
        var log = PhoneLog(fields: ["agent": "a8f98bb0eb32010045e1a5115206fe3a"])
        #expect(log.callId == nil)
        log.callId = "2323223"
        #expect(log.json == ["agent": "a8f98bb0eb32010045e1a5115206fe3a", "call_id": "2323223"])
        log.callId = nil
        #expect(log.fields.keys == ["agent"])
    }

    @Test func relatedRecordsAreHashable() {
        let record = RelatedRecord(documentTable: "csm_consumer", documentId: "59e788fbdb1b1200b6075200cf9619d2")
        #expect(Set([record, record]).count == 1)
    }
}
