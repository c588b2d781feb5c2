import Foundation
import JSON
import TestSupport
import Testing

/// Durable delivery through the real binary against the real stand-in: outages, kills, ambiguous
/// failures and the lookup that keeps a create from being made twice.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DurableDeliveryTests {
    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("openframe-\(name)-\(UUID().uuidString).jsonl")
    }

    static func create(_ session: String, extra: JSONObject = [:]) -> JSONValue {
        var interaction: JSONObject = ["userPhoneNumber": "+14089965744", "clientSessionId": .string(session)]
        for (key, value) in extra.members { interaction[key] = value }
        return ["delivery": "durable", "waitMs": 0, "payload": ["interaction": .object(interaction)]]
    }

    static func update(outboxId: String, step: String) -> JSONValue {
        [
            "delivery": "durable", "waitMs": 0, "outboxId": .string(outboxId),
            "payload": ["interaction": ["additionalParams": ["step": .string(step)]]],
        ]
    }

    /// Polls `condition` until it holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return try await condition()
    }

    static func notifications(_ server: ServerProcess, _ method: String) -> [JSONValue] {
        server.received.filter { $0["method"]?.stringValue == method }.compactMap { $0["params"] }
    }

    static func creates(_ standIn: StandIn) async throws -> [JSONValue] {
        try await standIn.requests().filter { $0["operation"] == "create" }
    }

    static func sessions(_ records: JSONObject) -> [String] {
        records.members.compactMap { $0.value["createPayload"]?["interaction"]?["clientSessionId"]?.stringValue }
    }

    @Test func anOutageDelaysButLosesAndDuplicatesNothing() async throws {
        let standIn = try await StandIn()
        let file = Self.temporaryFile("outbox")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess(["--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "1", "--max-attempts", "1"])
        try await standIn.control("POST", "/outage", #"{"mode": "refuse", "seconds": 3}"#)
        try await Task.sleep(nanoseconds: 300_000_000)
        let count = 100
        for index in 0..<count { server.request(index, "openframe/createVoiceInteraction", Self.create("outage-\(index)")) }
        var outboxIds: [String] = []
        for index in 0..<count {
            let answer = try #require(await server.response(index)?["result"])
            #expect(answer["status"] == "QUEUED", "\(answer)")
            outboxIds.append(try #require(answer["outboxId"]?.stringValue))
        }
        // Order is acceptance order: the second update of an interaction goes after the first one's answer.
        for (index, outboxId) in outboxIds.enumerated() {
            server.request(1000 + index, "openframe/updateVoiceInteraction", Self.update(outboxId: outboxId, step: "first"))
        }
        for (index, outboxId) in outboxIds.enumerated() {
            #expect(await server.response(1000 + index)?["result"]?["status"] == "QUEUED")
            server.request(2000 + index, "openframe/updateVoiceInteraction", Self.update(outboxId: outboxId, step: "second"))
        }
        for index in 0..<count {
            #expect(await server.response(2000 + index)?["result"]?["status"] == "QUEUED")
        }
        let done = await Self.eventually(90) { Self.notifications(server, "openframe/delivered").count >= 3 * count }
        #expect(done, "delivered: \(Self.notifications(server, "openframe/delivered").count); stderr: \(server.errorOutput.suffix(2000))")

        let records = try await standIn.records()
        #expect(records.count == count)
        #expect(Set(Self.sessions(records)).count == count)
        for (_, record) in records.members {
            let steps = record["updatePayloads"]?.arrayValue?.compactMap {
                $0["payload"]?["interaction"]?["additionalParams"]?["step"]?.stringValue
            }
            #expect(steps == ["first", "second"], "\(record)")
        }
        #expect(try await Self.creates(standIn).count == count)
        #expect(Self.notifications(server, "openframe/deliveryFailed").isEmpty)
        server.request(9999, "openframe/outbox", ["state": "queued"])
        #expect(await server.response(9999)?["result"]?["items"] == [])
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        standIn.stop()
    }

    @Test func killedAndRestartedTenTimesTheRecordsEqualTheAcceptedRequests() async throws {
        let standIn = try await StandIn()
        // Every create and update takes a moment, so kills land while sends are in flight.
        try await standIn.addFaults(#"[{"delay": 0.03, "times": -1, "match": {"pathPrefix": "/api/now/openframe"}}]"#)
        let file = Self.temporaryFile("outbox-kill")
        defer { try? FileManager.default.removeItem(at: file) }
        var accepted = Set<String>()
        var sent = Set<String>()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<10 {
            let server = try ServerProcess([
                "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.5", "--request-timeout", "1",
            ])
            for index in 0..<8 {
                let session = "kill-\(round)-\(index)"
                sent.insert(session)
                server.request(index, "openframe/createVoiceInteraction", Self.create(session))
            }
            for index in 0..<8 {
                if let id = await server.response(index, timeout: 5)?["result"]?["outboxId"]?.stringValue {
                    accepted.insert("kill-\(round)-\(index)")
                    server.request(100 + index, "openframe/updateVoiceInteraction", Self.update(outboxId: id, step: "r\(round)"))
                }
            }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...250_000_000, using: &generator))
            kill(server.process.processIdentifier, SIGKILL)
            _ = await server.waitForExit()
        }
        // A last server on the same file resumes everything still queued.
        let server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.5", "--request-timeout", "1",
        ])
        var poll = 10_000
        let drained = await Self.eventually(60) {
            poll += 1
            server.request(poll, "openframe/outbox", ["state": "queued"])
            return await server.response(poll)?["result"]?["items"]?.arrayValue?.isEmpty == true
        }
        #expect(drained)
        server.request(7001, "openframe/outbox", ["state": "parked"])
        #expect(await server.response(7001, timeout: 5)?["result"]?["items"] == [], "\(server.errorOutput.suffix(2000))")
        let records = try await standIn.records()
        let sessions = Self.sessions(records)
        #expect(sessions.count == Set(sessions).count, "a create was made twice: \(sessions.sorted())")
        #expect(accepted.isSubset(of: Set(sessions)), "lost: \(accepted.subtracting(sessions).sorted())")
        #expect(Set(sessions).isSubset(of: sent))
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aCreateDroppedAfterStoreIsFoundByTheLookupNotSentTwice() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"[{"drop": "after_store", "match": {"operation": "create"}}]"#)
        let file = Self.temporaryFile("outbox-drop")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.2", "--request-timeout", "1",
        ])
        var params = Self.create("dropped-1")
        if case .object(var object) = params { object["waitMs"] = 10_000; params = .object(object) }
        server.request(1, "openframe/createVoiceInteraction", params)
        let result = try #require(await server.response(1, timeout: 15)?["result"])
        #expect(result["status"] == "SUCCESS")
        #expect(result["foundBy"] == "lookup")
        let records = try await standIn.records()
        #expect(records.count == 1)
        #expect(result["sysId"]?.stringValue == records.members.first?.key)
        #expect(try await Self.creates(standIn).count == 1)
        #expect(try await standIn.requests().filter { $0["operation"] == "lookup" }.count == 1)
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aLookupOnAMissingFieldParksTheCreate() async throws {
        let standIn = try await StandIn()
        for number in 0..<2 {
            try await standIn.control("POST", "/records", #"{"payload": {"interaction": {"userPhoneNumber": "+1555000000\#(number)"}}}"#)
        }
        try await standIn.control("POST", "/lookup", #"{"mode": "missingField"}"#)
        try await standIn.addFaults(#"[{"drop": "after_store", "match": {"operation": "create"}}]"#)
        let file = Self.temporaryFile("outbox-missing")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.2", "--request-timeout", "1",
        ])
        server.request(1, "openframe/createVoiceInteraction", Self.create("missing-field"))
        let outboxId = try #require(await server.response(1)?["result"]?["outboxId"]?.stringValue)
        #expect(await Self.eventually(15) { !Self.notifications(server, "openframe/deliveryFailed").isEmpty })
        let failed = try #require(Self.notifications(server, "openframe/deliveryFailed").first)
        #expect(failed["outboxId"]?.stringValue == outboxId)
        #expect(failed["parked"] == true)
        let message = failed["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("client_session_id"), "\(message)")
        #expect(try await Self.creates(standIn).count == 1)  // never re-sent
        #expect(try await standIn.records().count == 3)
        server.request(2, "openframe/outbox", ["state": "parked"])
        #expect(await server.response(2)?["result"]?["items"]?.arrayValue?.first?["outboxId"]?.stringValue == outboxId)
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aForbiddenLookupParksWithTheReason() async throws {
        let standIn = try await StandIn()
        try await standIn.control("POST", "/lookup", #"{"mode": "forbidden"}"#)
        try await standIn.addFaults(#"[{"status": 502, "html": true, "match": {"operation": "create"}}]"#)
        let file = Self.temporaryFile("outbox-403")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.2", "--request-timeout", "1",
        ])
        var params = Self.create("forbidden-1")
        if case .object(var object) = params { object["waitMs"] = 10_000; params = .object(object) }
        server.request(1, "openframe/createVoiceInteraction", params)
        let result = try #require(await server.response(1, timeout: 15)?["result"])
        #expect(result["status"] == "PARKED")
        let reason = result["reason"]?.stringValue ?? ""
        #expect(reason.contains("403") && reason.contains("read access to the interaction table"), "\(reason)")
        #expect(try await Self.creates(standIn).count == 1)
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aCreateWithoutClientSessionIdIsParkedAfterATimeoutNeverResentBlind() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"[{"drop": "after_read", "match": {"operation": "create"}}]"#)
        let file = Self.temporaryFile("outbox-blind")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.2", "--request-timeout", "1",
        ])
        server.request(
            1, "openframe/createVoiceInteraction",
            ["delivery": "durable", "waitMs": 10_000, "payload": ["interaction": ["userPhoneNumber": "+14089965744"]]])
        let result = try #require(await server.response(1, timeout: 15)?["result"])
        #expect(result["status"] == "PARKED")
        #expect(result["reason"]?.stringValue?.contains("clientSessionId") == true)
        #expect(try await Self.creates(standIn).count == 1)
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aRefusedPayloadFailsFinallyAndItsUpdatesWithIt() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(
            #"[{"status": 400, "error": {"message": "Bad Request", "detail": "no"}, "match": {"operation": "create"}}]"#)
        let file = Self.temporaryFile("outbox-400")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess(["--instance", standIn.url, "--outbox", file.path])
        server.request(1, "openframe/createVoiceInteraction", Self.create("refused-1"))
        let outboxId = try #require(await server.response(1)?["result"]?["outboxId"]?.stringValue)
        server.request(2, "openframe/updateVoiceInteraction", Self.update(outboxId: outboxId, step: "x"))
        _ = await server.response(2)
        #expect(await Self.eventually(10) { Self.notifications(server, "openframe/deliveryFailed").count == 2 })
        let failures = Self.notifications(server, "openframe/deliveryFailed")
        #expect(failures.allSatisfy { $0["parked"] == false })
        #expect(failures.first?["error"]?["code"] == -33001)
        #expect(failures.first?["error"]?["data"]?["httpStatus"] == 400)
        #expect(try await standIn.requests().filter { $0["operation"] == "update" }.isEmpty)
        server.closeInput()
        _ = await server.waitForExit()
        standIn.stop()
    }

    @Test func aFullDiskRefusesTheRequestNeverQueued() async throws {
        let file = Self.temporaryFile("outbox-full")
        defer { try? FileManager.default.removeItem(at: file) }
        // A file-size limit of one block, with SIGXFSZ ignored: the append fails with EFBIG, as on a full disk.
        let server = try ServerProcess(
            ["--outbox", file.path],
            launcher: ["/bin/sh", "-c", "ulimit -f 1; trap '' XFSZ; exec \"$@\"", "sh"])
        let big = String(repeating: "x", count: 4000)
        server.request(
            1, "openframe/createVoiceInteraction",
            Self.create("full-1", extra: ["additionalParams": ["note": .string(big)]]))
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33010)
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("not accepted") && message.contains("File too large"), "\(message)")
        server.request(2, "openframe/outbox", [:])
        #expect(await server.response(2)?["result"]?["items"] == [])
        #expect(Self.notifications(server, "openframe/delivered").isEmpty)
        #expect(try Data(contentsOf: file).isEmpty)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func durableWithoutAnOutboxIsAClearInvalidParamsError() async throws {
        let server = try ServerProcess([])
        server.request(1, "openframe/createVoiceInteraction", Self.create("none"))
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -32602)
        #expect(error["message"]?.stringValue?.contains("--outbox FILE") == true)
        server.request(
            2, "openframe/createVoiceInteraction",
            ["waitMs": 5, "payload": ["interaction": ["userPhoneNumber": "+14089965744"]]])
        #expect(await server.response(2)?["error"]?["message"]?.stringValue?.contains("need \"delivery\": \"durable\"") == true)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func anOperatorListsRetriesAndDiscardsParkedItemsButNotWhileAServerHoldsTheFile() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"[{"drop": "after_read", "match": {"operation": "create"}, "times": 2}]"#)
        let file = Self.temporaryFile("outbox-operator")
        defer { try? FileManager.default.removeItem(at: file) }
        var server = try ServerProcess([
            "--instance", standIn.url, "--outbox", file.path, "--outbox-retry-cap", "0.2", "--request-timeout", "1",
        ])
        var ids: [String] = []
        for index in 0..<2 {
            server.request(
                index, "openframe/createVoiceInteraction",
                ["delivery": "durable", "waitMs": 10_000, "payload": ["interaction": ["userPhoneNumber": "+14089965744"]]])
            let result = try #require(await server.response(index, timeout: 15)?["result"])
            #expect(result["status"] == "PARKED")
            ids.append(try #require(result["outboxId"]?.stringValue))
        }
        let busy = try await CommandResult.run(["outbox", file.path])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("in use"), "\(busy.stderr)")
        server.closeInput()
        _ = await server.waitForExit()

        let listed = try await CommandResult.run(["outbox", file.path, "--state", "parked"])
        #expect(listed.status == 0)
        #expect(
            ids.allSatisfy { listed.stdout.contains($0) } && listed.stdout.contains("without interaction.clientSessionId"),
            "\(listed.stdout)")
        let json = try await CommandResult.run(["outbox", file.path, "--format", "json"])
        let document = try JSONParser.parse(json.stdout).root.value
        #expect(document["items"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["parked", "parked"])
        #expect(document["items"]?.arrayValue?.first?["payload"]?["interaction"]?["userPhoneNumber"] == "+14089965744")

        #expect(try await CommandResult.run(["outbox", file.path, "retry", ids[0]]).status == 0)
        #expect(try await CommandResult.run(["outbox", file.path, "discard", ids[1]]).status == 0)
        let again = try await CommandResult.run(["outbox", file.path, "retry", ids[1]])
        #expect(again.status == 1 && again.stderr.contains("no item"))

        // A restarted server resumes once the host speaks (here: catching up with openframe/outbox).
        server = try ServerProcess(["--instance", standIn.url, "--outbox", file.path])
        server.request(50, "openframe/outbox", [:])
        #expect(await server.response(50)?["result"]?["items"]?.arrayValue?.compactMap { $0["outboxId"]?.stringValue } == [ids[0]])
        #expect(await Self.eventually(10) { !Self.notifications(server, "openframe/delivered").isEmpty })
        #expect(Self.notifications(server, "openframe/delivered").first?["outboxId"]?.stringValue == ids[0])
        #expect(try await standIn.records().count == 1)
        server.closeInput()
        _ = await server.waitForExit()
        let missing = try await CommandResult.run(["outbox", file.path + ".nope"])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"))
        standIn.stop()
    }
}
