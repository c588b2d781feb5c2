import Foundation
import JSON
import OpenFrameForwarding
import Testing

struct SandboxUpdateTests {
    /// A sandbox holding one record created from `payload`, and its sys_id.
    private func sandbox(with payload: String) async throws -> (Sandbox, String) {
        let sandbox = Sandbox()
        let result = try await sandbox.create(
            payload: try SandboxFixtures.payload(payload), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        return (sandbox, try #require(result["sysId"]?.stringValue))
    }

    private func update(_ sandbox: Sandbox, _ sysID: String, _ payload: String) async throws -> JSONObject {
        try await sandbox.update(
            sysId: sysID, payload: try SandboxFixtures.payload(payload), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
    }

    @Test func interactionScalarsOverwriteAndAdditionalParamsMerge() async throws {
        let (sandbox, sysID) = try await sandbox(
            with: #"""
                {"interaction": {"userPhoneNumber": "+14155550100", "clientSessionId": "s1",
                                 "additionalParams": {"direction": "inbound", "short_description": "first"}}}
                """#)
        let result = try await update(
            sandbox, sysID,
            #"""
            {"interaction": {"clientSessionId": "s2", "callbackPhoneNumber": "+14089965744",
                             "additionalParams": {"short_description": "second", "assigned_to": "a8f98bb0eb32010045e1a5115206fe3a"}}}
            """#)
        #expect(result == ["status": "SUCCESS"])
        let record = try #require(sandbox.record(sysId: sysID))
        #expect(
            record["interaction"] == [
                "userPhoneNumber": "+14155550100",
                "clientSessionId": "s2",
                "additionalParams": [
                    "direction": "inbound", "short_description": "second", "assigned_to": "a8f98bb0eb32010045e1a5115206fe3a",
                ],
                "callbackPhoneNumber": "+14089965744",
            ])
        #expect(record["number"] == "IMS0000001")
        #expect(record["sysId"] == .string(sysID))
    }

    @Test func additionalParamsAreAddedWhenTheRecordHadNone() async throws {
        let (sandbox, sysID) = try await sandbox(with: #"{"interaction": {"userPhoneNumber": "+14155550100"}}"#)
        _ = try await update(sandbox, sysID, #"{"interaction": {"additionalParams": {"direction": "outbound"}}}"#)
        #expect(
            sandbox.record(sysId: sysID)?["interaction"] == [
                "userPhoneNumber": "+14155550100", "additionalParams": ["direction": "outbound"],
            ])
    }

    @Test func interactionContextVariablesOverwriteAndAdd() async throws {
        let (sandbox, sysID) = try await sandbox(
            with: #"""
                {"interaction": {}, "interactionContext": {"devicetype": "genesys", "requester_session_language": "en-US"}}
                """#)
        _ = try await update(
            sandbox, sysID, #"{"interaction": {}, "interactionContext": {"requester_session_language": "de-DE", "queue": "gold"}}"#)
        #expect(
            sandbox.record(sysId: sysID)?["interactionContext"] == [
                "devicetype": "genesys", "requester_session_language": "de-DE", "queue": "gold",
            ])
    }

    @Test func phoneLogsAreMatchedByCallID() async throws {
        let (sandbox, sysID) = try await sandbox(
            with: #"""
                {"interaction": {}, "phoneLogs": [
                    {"call_id": "2323223", "agent": "a1", "start_time": "2024-11-04 21:45:00"},
                    {"call_id": "33535353", "agent": "a1"}]}
                """#)
        _ = try await update(
            sandbox, sysID,
            #"""
            {"interaction": {}, "phoneLogs": [
                {"call_id": "33535353", "end_time": "2024-11-04 21:50:00", "agent": "a2"},
                {"call_id": "1997654", "agent": "a3"},
                {"agent": "a4"},
                {"call_id": "1997654", "duration": 30}]}
            """#)
        #expect(
            sandbox.record(sysId: sysID)?["phoneLogs"] == [
                ["call_id": "2323223", "agent": "a1", "start_time": "2024-11-04 21:45:00"],
                ["call_id": "33535353", "agent": "a2", "end_time": "2024-11-04 21:50:00"],
                ["call_id": "1997654", "agent": "a3", "duration": 30],
                ["agent": "a4"],
            ])

        // Logs without a call_id never match one another: each appends.
        _ = try await update(sandbox, sysID, #"{"interaction": {}, "phoneLogs": [{"agent": "a4"}, {"call_id": "", "agent": "a5"}]}"#)
        let logs = try #require(sandbox.record(sysId: sysID)?["phoneLogs"]?.arrayValue)
        #expect(logs.count == 6)
        #expect(logs.suffix(2) == [["agent": "a4"], ["call_id": "", "agent": "a5"]])
    }

    @Test func numericCallIDMatchesItsText() async throws {
        let (sandbox, sysID) = try await sandbox(with: #"{"interaction": {}, "phoneLogs": [{"call_id": "42", "agent": "a1"}]}"#)
        _ = try await update(sandbox, sysID, #"{"interaction": {}, "phoneLogs": [{"call_id": 42, "agent": "a2"}]}"#)
        #expect(sandbox.record(sysId: sysID)?["phoneLogs"] == [["call_id": 42, "agent": "a2"]])
    }

    @Test func relatedRecordsAreAppendedOncePerTableAndID() async throws {
        let (sandbox, sysID) = try await sandbox(
            with: #"""
                {"interaction": {}, "relatedRecords": [
                    {"documentTable": "csm_consumer", "documentId": "59e788fbdb1b1200b6075200cf9619d2"},
                    {"documentTable": "csm_consumer", "documentId": "59e788fbdb1b1200b6075200cf9619d2"}]}
                """#)
        _ = try await update(
            sandbox, sysID,
            #"""
            {"interaction": {}, "relatedRecords": [
                {"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"},
                {"documentTable": "csm_consumer", "documentId": "59e788fbdb1b1200b6075200cf9619d2"},
                {"documentTable": "sys_user", "documentId": "59e788fbdb1b1200b6075200cf9619d2"}]}
            """#)
        #expect(
            sandbox.record(sysId: sysID)?["relatedRecords"] == [
                ["documentTable": "csm_consumer", "documentId": "59e788fbdb1b1200b6075200cf9619d2"],
                ["documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"],
                ["documentTable": "sys_user", "documentId": "59e788fbdb1b1200b6075200cf9619d2"],
            ])
    }

    @Test func theDocumentedUpdateLandsOnTheDocumentedCreate() async throws {
        let sandbox = Sandbox()
        let created = try await sandbox.create(
            payload: try SandboxFixtures.example("voice-interaction.create.json"), apiVersion: nil, progress: SandboxFixtures.ignoreProgress
        )
        let sysID = try #require(created["sysId"]?.stringValue)
        let before = try #require(sandbox.record(sysId: sysID))
        _ = try await sandbox.update(
            sysId: sysID, payload: try SandboxFixtures.example("voice-interaction.update.json"), apiVersion: nil,
            progress: SandboxFixtures.ignoreProgress)
        let after = try #require(sandbox.record(sysId: sysID))
        // Same logs and related records again: nothing duplicated; only the description changed.
        #expect(after["phoneLogs"] == before["phoneLogs"])
        #expect(after["relatedRecords"] == before["relatedRecords"])
        #expect(after["interactionContext"] == before["interactionContext"])
        #expect(after["interaction"]?["additionalParams"]?["short_description"] == "New Poonam outbound call")
        #expect(after["interaction"]?["userPhoneNumber"] == "+1303506536")
        #expect(after["createdAt"] == before["createdAt"])
        #expect(try #require(after["updatedAt"]?.stringValue) >= before["createdAt"]!.stringValue!)
    }

    @Test(arguments: [
        "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "", "not-a-sys-id", "../../etc/passwd",
        "0123456789abcdef0123456789abcdef0",
    ])
    func anUnknownOrMalformedSysIDIsTheInstancesMissingRecord(sysID: String) async throws {
        let (sandbox, known) = try await sandbox(with: #"{"interaction": {}}"#)
        let before = sandbox.records
        let error = await SandboxFixtures.error { () async throws(ForwardingError) in
            try await sandbox.update(
                sysId: sysID, payload: try! SandboxFixtures.payload(#"{"interaction": {"clientSessionId": "x"}}"#), apiVersion: nil,
                progress: SandboxFixtures.ignoreProgress)
        }
        #expect(
            error
                == .instance(
                    httpStatus: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval"))
        #expect(sandbox.records == before)
        #expect(sandbox.record(sysId: known) != nil)
    }
}
