import Foundation
import JSON
import OpenFrameForwarding
import Testing

struct SandboxCreateTests {
    @Test func createAnswersSuccessWithAFreshSysIDAndSequentialNumbers() async throws {
        let sandbox = Sandbox()
        let payload = try SandboxFixtures.example("voice-interaction.create.json")
        let first = try await sandbox.create(payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        let second = try await sandbox.create(payload: payload, apiVersion: "v1", progress: SandboxFixtures.ignoreProgress)

        #expect(first.keys == ["status", "sysId", "number"])
        #expect(first["status"] == "SUCCESS")
        #expect(first["number"] == "IMS0000001")
        #expect(second["number"] == "IMS0000002")
        let firstID = try #require(first["sysId"]?.stringValue)
        let secondID = try #require(second["sysId"]?.stringValue)
        #expect(SandboxFixtures.isSysID(firstID))
        #expect(SandboxFixtures.isSysID(secondID))
        #expect(firstID != secondID)
        #expect(Set(sandbox.records.keys) == [firstID, secondID])
    }

    @Test func createStoresThePayloadWithNumberAndTimestamps() async throws {
        let sandbox = Sandbox()
        let payload = try SandboxFixtures.example("voice-interaction.create.json")
        let result = try await sandbox.create(payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        let sysID = try #require(result["sysId"]?.stringValue)
        let record = try #require(sandbox.record(sysId: sysID))

        #expect(record["sysId"] == .string(sysID))
        #expect(record["number"] == "IMS0000001")
        let created = try #require(record["createdAt"]?.stringValue)
        #expect(created.count == 24 && created.hasSuffix("Z") && created.dropFirst(10).first == "T")
        #expect(record["updatedAt"] == record["createdAt"])
        let expected = try #require(payload.value.objectValue)
        for key in ["interaction", "interactionContext", "phoneLogs", "relatedRecords"] {
            #expect(record[key] == expected[key], "\(key)")
        }
        #expect(sandbox.record(sysId: "0123456789abcdef0123456789abcdef") == nil)
    }

    @Test func membersOutsideTheRecordAreIgnoredAndOddValuesNeverCrash() async throws {
        let sandbox = Sandbox()
        let payload = try SandboxFixtures.payload(
            #"""
            {"interaction": {"userPhoneNumber": "+14155550100"}, "sysId": "x", "number": "IMS9999999",
             "interactionContext": 3, "phoneLogs": {"call_id": "1"}, "relatedRecords": [1, null, {"documentTable": "t", "documentId": "d"}]}
            """#)
        let result = try await sandbox.create(payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        let sysID = try #require(result["sysId"]?.stringValue)
        let record = try #require(sandbox.record(sysId: sysID))
        #expect(record["number"] == "IMS0000001")
        #expect(record["sysId"] == result["sysId"])
        #expect(record["interactionContext"] == nil)
        #expect(record["phoneLogs"] == nil)
        #expect(record["relatedRecords"] == [["documentTable": "t", "documentId": "d"]])

        let notAnObject = try SandboxFixtures.payload("[1]")
        let error = await SandboxFixtures.error { () async throws(ForwardingError) in
            try await sandbox.create(payload: notAnObject, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        }
        guard case .instance(400, _, _) = error else { Issue.record("expected a 400, got \(String(describing: error))"); return }
        #expect(sandbox.records.count == 1)
    }

    @Test func reportsSendingThenWaitingForTheSandboxHost() async throws {
        let sandbox = Sandbox()
        let recorder = ProgressRecorder()
        let result = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{}}"#), apiVersion: nil, progress: recorder.sink)
        #expect(recorder.recorded == [.sending(host: "sandbox", attempt: 1), .waiting(host: "sandbox")])

        let updates = ProgressRecorder()
        _ = try await sandbox.update(
            sysId: try #require(result["sysId"]?.stringValue), payload: try SandboxFixtures.payload(#"{"interaction":{}}"#),
            apiVersion: nil, progress: updates.sink)
        #expect(updates.recorded == [.sending(host: "sandbox", attempt: 1), .waiting(host: "sandbox")])
    }

    @Test func describesItself() {
        let sandbox = Sandbox()
        #expect(sandbox.kind == .sandbox)
        #expect(sandbox.displayName == "embedded sandbox (in memory)")
        #expect(sandbox.warnings.isEmpty)
    }

    @Test(arguments: ["", "v", "V1", "1", "v1.2", "v-1", "latest", "v１", " v1"])
    func rejectsAMalformedAPIVersionBeforeSending(version: String) async throws {
        let sandbox = Sandbox()
        let recorder = ProgressRecorder()
        let payload = try SandboxFixtures.payload(#"{"interaction":{}}"#)
        let error = await SandboxFixtures.error { () async throws(ForwardingError) in
            try await sandbox.create(payload: payload, apiVersion: version, progress: recorder.sink)
        }
        #expect(error == .configuration("apiVersion must be 'v' followed by digits, e.g. v1; got \(JSONValue.string(version).jsonString)"))
        #expect(recorder.recorded.isEmpty)
        #expect(sandbox.records.isEmpty)

        let updateError = await SandboxFixtures.error { () async throws(ForwardingError) in
            try await sandbox.update(
                sysId: String(repeating: "a", count: 32), payload: payload, apiVersion: version, progress: recorder.sink)
        }
        guard case .configuration(let message) = updateError else {
            Issue.record("expected .configuration, got \(String(describing: updateError))"); return
        }
        #expect(message.hasPrefix("apiVersion must be 'v' followed by digits, e.g. v1; got \""))
    }

    @Test(arguments: ["v1", "v2", "v10"])
    func acceptsVersionedURLs(version: String) async throws {
        let result = try await Sandbox().create(
            payload: try SandboxFixtures.payload(#"{"interaction":{}}"#), apiVersion: version, progress: SandboxFixtures.ignoreProgress)
        #expect(result["status"] == "SUCCESS")
    }
}
