import Foundation
import JSON
import OpenFrameForwarding
import Testing

struct SandboxConcurrencyTests {
    /// Runs `count` creates at once and returns their answers.
    private func createConcurrently(_ sandbox: Sandbox, count: Int) async throws -> [JSONObject] {
        let payload = try SandboxFixtures.example("voice-interaction.create.json")
        return try await withThrowingTaskGroup(of: JSONObject.self) { group in
            for _ in 0..<count {
                group.addTask { try await sandbox.create(payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    private func checkDistinctAndComplete(_ results: [JSONObject], _ sandbox: Sandbox, count: Int) {
        let sysIDs = Set(results.compactMap { $0["sysId"]?.stringValue })
        let numbers = Set(results.compactMap { $0["number"]?.stringValue })
        #expect(sysIDs.count == count)
        #expect(sysIDs.allSatisfy(SandboxFixtures.isSysID))
        #expect(numbers == Set((1...count).map { "IMS" + SandboxFixtures.zeroPadded($0) }))
        let records = sandbox.records
        #expect(Set(records.keys) == sysIDs)
        #expect(Set(records.values.compactMap { $0["number"]?.stringValue }) == numbers)
        for result in results {
            #expect(records[result["sysId"]!.stringValue!]?["number"] == result["number"])
        }
    }

    @Test func aThousandConcurrentCreatesGetDistinctSysIDsAndNumbers() async throws {
        let sandbox = Sandbox()
        let results = try await createConcurrently(sandbox, count: 1000)
        checkDistinctAndComplete(results, sandbox, count: 1000)
        #expect(results.allSatisfy { $0["number"]?.stringValue?.count == 10 })
    }

    @Test func concurrentCreatesInAFileAreAllOnDiskAfterwards() async throws {
        let directory = try SandboxFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sandbox.jsonl")
        var sandbox: Sandbox? = try Sandbox(file: file)
        let results = try await createConcurrently(sandbox!, count: 200)
        checkDistinctAndComplete(results, sandbox!, count: 200)
        let records = sandbox!.records
        sandbox = nil

        #expect(try SandboxFixtures.lines(of: file).count == 201)  // 200 lines, each ending in a newline
        let reopened = try Sandbox(file: file)
        #expect(reopened.records == records)
    }

    @Test func concurrentUpdatesOfOneRecordAllLand() async throws {
        let sandbox = Sandbox()
        let created = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{}}"#), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        let sysID = try #require(created["sysId"]?.stringValue)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                let payload = try SandboxFixtures.payload(
                    #"{"phoneLogs":[{"call_id":"c\#(index)"}],"interactionContext":{"v\#(index)":\#(index)}}"#)
                group.addTask {
                    _ = try await sandbox.update(sysId: sysID, payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
                }
            }
            try await group.waitForAll()
        }
        let record = try #require(sandbox.record(sysId: sysID))
        #expect(record["phoneLogs"]?.arrayValue?.count == 500)
        #expect(record["interactionContext"]?.objectValue?.count == 500)
    }

    @Test func aCancelledCreateStoresNothing() async throws {
        let sandbox = Sandbox()
        let error = await cancelledCreate(sandbox)
        #expect(error == .cancelled)
        #expect(sandbox.records.isEmpty)
        // The sequence is untouched: the next create is still the first number.
        let next = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{}}"#), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        #expect(next["number"] == "IMS0000001")
    }

    @Test func aCancelledUpdateChangesNothing() async throws {
        let sandbox = Sandbox()
        let created = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{"clientSessionId":"a"}}"#), apiVersion: nil,
            progress: SandboxFixtures.ignoreProgress)
        let sysID = try #require(created["sysId"]?.stringValue)
        let before = sandbox.records
        let payload = try SandboxFixtures.payload(#"{"interaction":{"clientSessionId":"b"}}"#)
        let error = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await SandboxFixtures.error { () async throws(ForwardingError) in
                try await sandbox.update(sysId: sysID, payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
            }
        }.value
        #expect(error == .cancelled)
        #expect(sandbox.records == before)
    }

    @Test func aCancelledCreateWritesNothingToTheFile() async throws {
        let directory = try SandboxFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sandbox.jsonl")
        let sandbox = try Sandbox(file: file)
        let error = await cancelledCreate(sandbox)
        #expect(error == .cancelled)
        #expect(sandbox.records.isEmpty)
        #expect(try Data(contentsOf: file).isEmpty)
    }

    /// A create from a task that is cancelled before it calls the sandbox.
    private func cancelledCreate(_ sandbox: Sandbox) async -> ForwardingError? {
        let payload = try! SandboxFixtures.payload(#"{"interaction":{}}"#)
        return await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await SandboxFixtures.error { () async throws(ForwardingError) in
                try await sandbox.create(payload: payload, apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
            }
        }.value
    }
}
