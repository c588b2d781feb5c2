import Foundation
import JSON
import OpenFrameForwarding
import Testing

/// Each test gets its own directory, removed afterwards.
final class SandboxFileTests {
    let directory: URL
    let file: URL

    init() throws {
        directory = try SandboxFixtures.temporaryDirectory()
        file = directory.appendingPathComponent("sandbox.jsonl")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    private func create(
        _ sandbox: Sandbox, _ payload: String = #"{"interaction":{"userPhoneNumber":"+14155550100"}}"#
    ) async throws -> (sysID: String, number: String) {
        let result = try await sandbox.create(
            payload: try SandboxFixtures.payload(payload), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        return (try #require(result["sysId"]?.stringValue), try #require(result["number"]?.stringValue))
    }

    private func update(_ sandbox: Sandbox, _ sysID: String, _ payload: String) async throws {
        _ = try await sandbox.update(
            sysId: sysID, payload: try SandboxFixtures.payload(payload), apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
    }

    private func openError() -> SandboxFileError? {
        do { _ = try Sandbox(file: file); return nil } catch { return error }
    }

    @Test func createsTheFileAndNamesIt() throws {
        #expect(!FileManager.default.fileExists(atPath: file.path))
        let sandbox = try Sandbox(file: file)
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(sandbox.displayName == "embedded sandbox (\(file.path))")
        #expect(sandbox.kind == .sandbox)
        #expect(sandbox.warnings.isEmpty)
        #expect(sandbox.records.isEmpty)
    }

    @Test func recordsSurviveAReopenAndNumbersContinue() async throws {
        var sandbox: Sandbox? = try Sandbox(file: file)
        let first = try await create(
            sandbox!, #"{"interaction":{"userPhoneNumber":"+14155550100"},"phoneLogs":[{"call_id":"1","agent":"a"}]}"#)
        let second = try await create(sandbox!)
        try await update(
            sandbox!, first.sysID,
            #"{"interaction":{"clientSessionId":"s","additionalParams":{"direction":"inbound"}},"phoneLogs":[{"call_id":"1","agent":"b"}],"relatedRecords":[{"documentTable":"sys_user","documentId":"u"}]}"#
        )
        let before = sandbox!.records
        sandbox = nil

        let reopened = try Sandbox(file: file)
        #expect(reopened.warnings.isEmpty)
        #expect(reopened.records == before)
        #expect(
            reopened.record(sysId: first.sysID)?["interaction"] == [
                "userPhoneNumber": "+14155550100", "clientSessionId": "s", "additionalParams": ["direction": "inbound"],
            ])
        #expect(reopened.record(sysId: first.sysID)?["phoneLogs"] == [["call_id": "1", "agent": "b"]])
        #expect([first.number, second.number] == ["IMS0000001", "IMS0000002"])
        let third = try await create(reopened)
        #expect(third.number == "IMS0000003")
        try await update(reopened, second.sysID, #"{"interactionContext":{"k":"v"}}"#)
        #expect(reopened.record(sysId: second.sysID)?["interactionContext"] == ["k": "v"])
    }

    @Test func numbersContinueAfterTheHighestStoredNumber() async throws {
        let sysID = String(repeating: "ab", count: 16)
        try Data(
            #"{"op":"create","sysId":"\#(sysID)","number":"IMS0000041","payload":{"interaction":{}},"at":"2024-11-04T21:45:00.000Z"}"#.utf8
                + [0x0A]
        )
        .write(to: file)
        let sandbox = try Sandbox(file: file)
        #expect(sandbox.record(sysId: sysID)?["number"] == "IMS0000041")
        #expect(sandbox.record(sysId: sysID)?["createdAt"] == "2024-11-04T21:45:00.000Z")
        #expect(try await create(sandbox).number == "IMS0000042")
    }

    @Test func eachAcceptedWriteIsOneJSONLine() async throws {
        let sandbox = try Sandbox(file: file)
        let payload = #"{"interaction":{"userPhoneNumber":"+14155550100","additionalParams":{"note":"line\nbreak \"quoted\""}}}"#
        let created = try await create(sandbox, payload)
        try await update(sandbox, created.sysID, #"{"interactionContext": {"a": 1.50}}"#)
        _ = await SandboxFixtures.error { () async throws(ForwardingError) in
            try await sandbox.update(
                sysId: String(repeating: "0", count: 32), payload: try! SandboxFixtures.payload("{}"), apiVersion: nil,
                progress: SandboxFixtures.ignoreProgress)
        }

        let lines = try SandboxFixtures.lines(of: file)
        #expect(lines.count == 3 && lines[2] == "", "two lines, each ending in a newline; the refused update wrote nothing")
        let createLine = try JSONParser.parse(lines[0]).root.value
        #expect(createLine.objectValue?.keys == ["op", "sysId", "number", "payload", "at"])
        #expect(createLine["op"] == "create")
        #expect(createLine["sysId"] == .string(created.sysID))
        #expect(createLine["number"] == "IMS0000001")
        #expect(createLine["payload"] == (try SandboxFixtures.payload(payload)).value)
        #expect(createLine["at"] == sandbox.record(sysId: created.sysID)?["createdAt"])
        let updateLine = try JSONParser.parse(lines[1]).root.value
        #expect(updateLine.objectValue?.keys == ["op", "sysId", "payload", "at"])
        #expect(updateLine["op"] == "update")
        #expect(lines[1].contains(#""payload":{"interactionContext":{"a":1.50}}"#), "the payload is written as received, compactly")
        #expect(updateLine["at"] == sandbox.record(sysId: created.sysID)?["updatedAt"])
    }

    @Test(arguments: [
        (#"{"op":"update","sysId":"ab"#, "it has no line end"),
        (#"{"op":"upd"# + "\n", "not JSON"),
        ("\u{0}\u{0}\u{0}\u{0}", "it has no line end"),
    ])
    func anUnfinishedLastLineIsSkippedWithAWarningAndTrimmed(tail: String, why: String) async throws {
        var sandbox: Sandbox? = try Sandbox(file: file)
        let first = try await create(sandbox!)
        try await update(sandbox!, first.sysID, #"{"interaction":{"clientSessionId":"kept"}}"#)
        let before = sandbox!.records
        sandbox = nil
        let valid = try Data(contentsOf: file)
        try SandboxFixtures.append(tail, to: file)

        sandbox = try Sandbox(file: file)
        #expect(sandbox!.records == before)
        #expect(sandbox!.warnings.count == 1)
        let warning = try #require(sandbox!.warnings.first)
        #expect(warning.contains(file.path) && warning.contains("line 3") && warning.contains(why), "\(warning)")
        #expect(try Data(contentsOf: file) == valid, "the unfinished line is trimmed on open")

        let second = try await create(sandbox!)
        #expect(second.number == "IMS0000002")
        let lines = try SandboxFixtures.lines(of: file)
        #expect(lines.count == 4 && lines[3] == "")
        for line in lines.dropLast() { #expect((try? JSONParser.parse(line)) != nil, "\(line)") }
        sandbox = nil

        let again = try Sandbox(file: file)
        #expect(again.warnings.isEmpty)
        #expect(again.records.count == 2)
        #expect(again.record(sysId: second.sysID)?["number"] == "IMS0000002")
    }

    @Test func aBadLineBeforeTheLastIsAnErrorNamingTheLine() async throws {
        var sandbox: Sandbox? = try Sandbox(file: file)
        let first = try await create(sandbox!)
        try await update(sandbox!, first.sysID, #"{"interaction":{"clientSessionId":"x"}}"#)
        _ = try await create(sandbox!)
        sandbox = nil
        var lines = try SandboxFixtures.lines(of: file)
        lines[1] = String(lines[1].dropLast(5))
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let damaged = try Data(contentsOf: file)

        let error = try #require(openError())
        guard case .corrupt(let path, let line, let reason) = error else { Issue.record("expected .corrupt, got \(error)"); return }
        #expect(path == file.path)
        #expect(line == 2)
        #expect(reason.hasPrefix("not JSON"))
        #expect(error.description.contains("is corrupt at line 2"))
        #expect(try Data(contentsOf: file) == damaged, "a corrupt file is left as it is")
    }

    @Test(arguments: [
        (#"{"op":"update","sysId":"abababababababababababababababab","payload":{},"at":"t"}"#, "no earlier line creates"),
        (#"{"op":"delete","sysId":"abababababababababababababababab","payload":{},"at":"t"}"#, "unknown op"),
        (
            #"{"op":"create","sysId":"ABABABABABABABABABABABABABABABAB","number":"IMS0000001","payload":{},"at":"t"}"#,
            "not 32 lowercase hex"
        ),
        (
            #"{"op":"create","sysId":"abababababababababababababababab","number":"INC0000001","payload":{},"at":"t"}"#,
            "not IMS followed by digits"
        ),
        (#"{"op":"create","sysId":"abababababababababababababababab","payload":{},"at":"t"}"#, "missing \"number\""),
        (
            #"{"op":"create","sysId":"abababababababababababababababab","number":"IMS0000001","payload":[],"at":"t"}"#,
            "\"payload\" is an array"
        ),
        (#"[1]"#, "expected an object"),
    ])
    func aWellFormedLineThatIsNoWriteIsAnErrorEvenWhenLast(line: String, reason: String) throws {
        try Data((line + "\n").utf8).write(to: file)
        let error = try #require(openError())
        guard case .corrupt(_, 1, let actual) = error else { Issue.record("expected .corrupt at line 1, got \(error)"); return }
        #expect(actual.contains(reason), "\(actual)")
    }

    @Test func aRepeatedSysIDOrNumberIsAnError() throws {
        let create = #"{"op":"create","sysId":"abababababababababababababababab","number":"IMS0000001","payload":{},"at":"t"}"#
        try Data((create + "\n" + create + "\n").utf8).write(to: file)
        guard case .corrupt(_, 2, _) = openError() else { Issue.record("expected .corrupt at line 2"); return }

        let sameNumber = #"{"op":"create","sysId":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","number":"IMS0000001","payload":{},"at":"t"}"#
        try Data((create + "\n" + sameNumber + "\n").utf8).write(to: file)
        guard case .corrupt(_, 2, let reason) = openError() else { Issue.record("expected .corrupt at line 2"); return }
        #expect(reason.contains("IMS0000001"))
    }

    @Test func aMissingDirectoryIsNotCreated() {
        let nested = directory.appendingPathComponent("missing").appendingPathComponent("sandbox.jsonl")
        let error: SandboxFileError?
        do { _ = try Sandbox(file: nested); error = nil } catch let caught { error = caught }
        guard case .cannotOpen(let path, let reason) = error else {
            Issue.record("expected .cannotOpen, got \(String(describing: error))"); return
        }
        #expect(path == nested.path)
        #expect(reason.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))
    }

    @Test func aDirectoryIsNotASandboxFile() throws {
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        guard case .cannotOpen(_, let reason) = openError() else { Issue.record("expected .cannotOpen"); return }
        #expect(reason.contains("directory"))
    }

    @Test(.enabled(if: getuid() != 0, "root reads and writes regardless of permissions"))
    func permissionProblemsAreExplained() throws {
        try Data().write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: file.path)
        guard case .cannotOpen(_, let reason) = openError() else { Issue.record("expected .cannotOpen"); return }
        #expect(reason.contains("permission denied"))

        try FileManager.default.removeItem(at: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path) }
        guard case .cannotOpen(_, let createReason) = openError() else { Issue.record("expected .cannotOpen"); return }
        #expect(createReason.contains("permission denied creating it"))
    }

    @Test func droppingTheSandboxAfterAnAnswerFreesTheFileAtOnce() async throws {
        for round in 1...100 {
            let sandbox = try Sandbox(file: file)
            #expect(try await create(sandbox).number == "IMS" + SandboxFixtures.zeroPadded(round))
        }
        #expect(try Sandbox(file: file).records.count == 100)
    }

    @Test func aFileInUseByAnotherSandboxIsRefused() throws {
        var first: Sandbox? = try Sandbox(file: file)
        #expect(openError() == .inUse(path: file.path))
        #expect(first != nil)
        first = nil
        #expect(openError() == nil)
    }
}
