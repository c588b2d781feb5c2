import Foundation
import JSON
import TestSupport
import Testing

/// Create and update through the real binary: against the embedded sandbox, and against the
/// instance stand-in, asserting what the stand-in received.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ForwardingTests {
    static let examples = ServerProcess.repositoryRoot.appendingPathComponent("examples")
    static var createPayload: JSONValue {
        get throws {
            try JSONParser.parse(Array(Data(contentsOf: examples.appendingPathComponent("voice-interaction.create.json")))).root.value
        }
    }
    static var updatePayload: JSONValue {
        get throws {
            try JSONParser.parse(Array(Data(contentsOf: examples.appendingPathComponent("voice-interaction.update.json")))).root.value
        }
    }
    static let callerPayload: JSONValue = ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": "ccaas-42"]]
    static let secret = "s3cr3t-Pa55word-never-shown"

    func progress(_ server: ServerProcess, token: String) -> [JSONValue] {
        server.received.filter { $0["method"] == "$/progress" && $0["params"]?["token"] == .string(token) }.compactMap {
            $0["params"]?["value"]
        }
    }

    @Test func sandboxCreateUpdateWithProgress() async throws {
        let server = try ServerProcess([], framing: .ndjson)
        server.request(1, "initialize", ["capabilities": [:]])
        let initialize = try #require(await server.response(1))
        #expect(initialize["result"]?["capabilities"]?["experimental"]?["openframe"]?["target"] == "sandbox")
        server.request(2, "openframe/createVoiceInteraction", ["payload": try Self.createPayload, "workDoneToken": "create-1"])
        let created = try #require(await server.response(2))
        let result = try #require(created["result"])
        #expect(result["status"] == "SUCCESS")
        #expect(result["number"] == "IMS0000001")
        #expect(result["target"] == "sandbox")
        let sysId = try #require(result["sysId"]?.stringValue)
        #expect(sysId.count == 32 && sysId.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // Progress: one begin, reports, one end, all before the answer.
        let stages = progress(server, token: "create-1")
        #expect(stages.first?["kind"] == "begin")
        #expect(stages.last?["kind"] == "end")
        #expect(stages.filter { $0["kind"] == "begin" }.count == 1 && stages.filter { $0["kind"] == "end" }.count == 1)
        let messages = stages.compactMap { $0["message"]?.stringValue }
        #expect(messages.contains("sending to sandbox"), "\(messages)")
        let answerIndex = server.received.firstIndex { $0["id"] == 2 }!
        let lastProgress = server.received.lastIndex { $0["method"] == "$/progress" }!
        #expect(lastProgress < answerIndex)

        server.request(3, "openframe/updateVoiceInteraction", ["interactionSysId": .string(sysId), "payload": try Self.updatePayload])
        #expect(await server.response(3)?["result"] == ["status": "SUCCESS", "target": "sandbox"])
        server.request(
            4, "openframe/updateVoiceInteraction",
            ["interactionSysId": "0123456789abcdef0123456789abcdef", "payload": try Self.updatePayload])
        let missing = try #require(await server.response(4)?["error"])
        #expect(missing["code"] == -33001)
        #expect(
            missing["data"] == [
                "httpStatus": 404,
                "error": ["message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"],
            ])
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func sandboxFileSurvivesARestart() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-sandbox-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try ServerProcess(["--sandbox", file.path])
        first.request(1, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        let sysId = try #require(await first.response(1)?["result"]?["sysId"]?.stringValue)
        first.closeInput()
        #expect(await first.waitForExit() == 0)

        let second = try ServerProcess(["--sandbox", file.path])
        second.request(1, "openframe/updateVoiceInteraction", ["interactionSysId": .string(sysId), "payload": try Self.updatePayload])
        second.request(2, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        #expect(await second.response(1)?["result"]?["status"] == "SUCCESS")
        #expect(await second.response(2)?["result"]?["number"] == "IMS0000002")
        second.closeInput()
        #expect(await second.waitForExit() == 0)
        #expect(second.errorOutput.contains(file.path))
    }

    @Test func invalidPayloadsAndParamsAreNeverSent() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url])
        server.request(
            1, "openframe/createVoiceInteraction", ["payload": ["interaction": ["userPhoneNumber": "408-996-5744"]], "workDoneToken": 7])
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.callerPayload, "apiVersion": "../../x"])
        server.request(3, "openframe/updateVoiceInteraction", ["interactionSysId": "../../sys_user", "payload": try Self.updatePayload])
        server.request(4, "openframe/createVoiceInteraction", ["payload": Self.callerPayload, "extra": true])
        let invalid = try #require(await server.response(1)?["error"])
        #expect(invalid["code"] == -32602)
        #expect(invalid["data"]?["diagnostics"]?[0]?["code"] == "invalid-phone-number")
        #expect(progress(server, token: "").isEmpty)
        #expect(server.received.contains { $0["params"]?["token"] == 7 && $0["params"]?["value"]?["kind"] == "end" })
        #expect(
            await server.response(2)?["error"]?["message"]?.stringValue?.contains("params.apiVersion must be 'v' followed by digits")
                == true)
        #expect(await server.response(3)?["error"]?["message"]?.stringValue?.contains("32 hexadecimal characters") == true)
        #expect(await server.response(4)?["error"]?["code"] == -32602)
        #expect(try await standIn.requests().isEmpty)
    }

    @Test func createAndUpdateReachTheInstanceAsTheAPIExpects() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "integration", "--password", Self.secret])
        let server = try ServerProcess(
            ["--instance", standIn.url], environment: ["OPENFRAME_USERNAME": "integration", "OPENFRAME_PASSWORD": Self.secret])
        server.request(1, "initialize", [:])
        #expect(await server.response(1)?["result"]?["capabilities"]?["experimental"]?["openframe"]?["target"] == "instance")
        let payload = try Self.createPayload
        server.request(2, "openframe/createVoiceInteraction", ["payload": payload])
        let created = try #require(await server.response(2)?["result"])
        #expect(created["status"] == "SUCCESS" && created["target"] == "instance")
        let sysId = try #require(created["sysId"]?.stringValue)
        server.request(
            3, "openframe/updateVoiceInteraction",
            ["interactionSysId": .string(sysId), "payload": try Self.updatePayload, "apiVersion": "v2"])
        #expect(await server.response(3)?["result"] == ["status": "SUCCESS", "target": "instance"])

        let requests = try await standIn.requests()
        try #require(requests.count == 2)
        #expect(requests[0]["method"] == "POST")
        #expect(requests[0]["path"] == "/api/now/openframe/voice-interaction")
        #expect(requests[0].header("Authorization") == "Basic " + Data("integration:\(Self.secret)".utf8).base64EncodedString())
        #expect(requests[0].header("User-Agent")?.hasPrefix("openframe-rpc/") == true)
        #expect(requests[0].header("Accept") == "application/json")
        #expect(requests[0].header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(try JSONParser.parse(Array((requests[0]["body"]?.stringValue ?? "").utf8)).root.value == payload)
        #expect(requests[1]["method"] == "PATCH")
        #expect(requests[1]["path"] == .string("/api/now/openframe/v2/voice-interaction/\(sysId)"))
        #expect(requests.allSatisfy { $0.header("Cookie") == nil }, "no cookie is ever sent back")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        #expect(!server.errorOutput.contains(Self.secret))
    }

    @Test func failuresAreClearAndNothingIsDuplicated() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url, "--request-timeout", "1"])
        // 500 with a ServiceNow error body: -33001, sent once.
        try await standIn.addFaults(#"[{"status": 500, "error": {"message": "Script error", "detail": "boom"}}]"#)
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        let failed = try #require(await server.response(1)?["error"])
        #expect(failed["code"] == -33001)
        #expect(failed["data"] == ["httpStatus": 500, "error": ["message": "Script error", "detail": "boom"]])
        #expect(try await standIn.requests().count == 1)

        // A slow answer times out: -33002, and the create was sent exactly once.
        try await standIn.control("DELETE", "/requests")
        try await standIn.addFaults(#"[{"delay": 3}]"#)
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        let timedOut = try #require(await server.response(2)?["error"])
        #expect(timedOut["code"] == -33002)
        #expect(timedOut["data"]?["reason"]?.stringValue?.isEmpty == false)
        try await Task.sleep(nanoseconds: 2_500_000_000)
        #expect(try await standIn.requests().count == 1)

        // The connection drops after the record was stored: -33002, and exactly one record.
        try await standIn.control("POST", "/reset")
        try await standIn.addFaults(#"[{"drop": "after_store"}]"#)
        server.request(3, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        #expect(await server.response(3)?["error"]?["code"] == -33002)
        #expect(try await standIn.records().count == 1)
        #expect(try await standIn.requests().count == 1)

        // 429 with Retry-After: retried after the delay, then success; the retry is reported.
        try await standIn.control("POST", "/reset")
        try await standIn.addFaults(#"[{"status": 429, "retryAfter": "1"}]"#)
        server.request(4, "openframe/createVoiceInteraction", ["payload": Self.callerPayload, "workDoneToken": "retry"])
        #expect(await server.response(4)?["result"]?["status"] == "SUCCESS")
        #expect(try await standIn.requests().count == 2)
        #expect(
            progress(server, token: "retry").contains { $0["message"]?.stringValue?.hasPrefix("retrying (attempt 2) in 1.0 s") == true })

        // An HTML page from a proxy: reported, shortened.
        try await standIn.addFaults(#"[{"status": 502, "html": true}]"#)
        server.request(5, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        let proxy = try #require(await server.response(5)?["error"])
        #expect(proxy["code"] == -33001 && proxy["data"]?["httpStatus"] == 502)
        let proxyMessage = try #require(proxy["message"]?.stringValue)
        #expect(!proxyMessage.contains("<"), "tags stripped: \(proxyMessage)")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func refusedConnectionsAreRetriedThenReported() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let server = try ServerProcess(["--instance", "http://127.0.0.1:\(port)", "--max-attempts", "3"])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.callerPayload, "workDoneToken": "r"])
        let error = try #require(await server.response(1, timeout: 30)?["error"])
        #expect(error["code"] == -33002)
        #expect(progress(server, token: "r").filter { $0["message"]?.stringValue?.hasPrefix("retrying") == true }.count == 2)
    }

    @Test func cancelStopsTheRequestInFlight() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url])
        try await standIn.addFaults(#"[{"delay": 5}]"#)
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = Date()
        server.notify("$/cancelRequest", ["id": 1])
        let answer = try #require(await server.response(1))
        #expect(answer["error"]?["code"] == -32800)
        #expect(Date().timeIntervalSince(started) < 4, "answered before the instance would have (5 s)")
        server.request(2, "openframe/validate", ["payload": Self.callerPayload])
        #expect(await server.response(2)?["result"]?["valid"] == true)
        #expect(server.received.filter { $0["id"] == 1 }.count == 1, "exactly one answer")
    }

    @Test func secretsNeverReachAnyOutput() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "someone", "--password", "the-right-one"])
        let server = try ServerProcess(
            ["--instance", standIn.url, "--log-level", "trace", "--request-timeout", "1"],
            environment: ["OPENFRAME_USERNAME": "someone", "OPENFRAME_PASSWORD": Self.secret])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.callerPayload, "workDoneToken": "s"])
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33001 && error["data"]?["httpStatus"] == 401)
        try await standIn.addFaults(#"[{"delay": 3}]"#)
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        _ = await server.response(2)
        server.closeInput()
        _ = await server.waitForExit()
        let everything = server.received.map(\.jsonString).joined() + server.errorOutput
        #expect(!everything.contains(Self.secret))
        #expect(!everything.contains(Data("someone:\(Self.secret)".utf8).base64EncodedString()))
    }

    @Test func initializationOptionsChooseTheInstance() async throws {
        let standIn = try await StandIn(["--auth", "apikey", "--api-key", "k-123"])
        let server = try ServerProcess([])
        server.request(
            1, "initialize", ["initializationOptions": ["instance": .string(standIn.url), "auth": ["type": "apiKey", "key": "k-123"]]])
        #expect(await server.response(1)?["result"]?["capabilities"]?["experimental"]?["openframe"]?["target"] == "instance")
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.callerPayload])
        #expect(await server.response(2)?["result"]?["target"] == "instance")
        #expect(try await standIn.requests().first?.header("x-sn-apikey") == "k-123")

        let other = try ServerProcess([])
        other.request(1, "initialize", ["initializationOptions": ["instance": "http://example.com"]])
        let refused = try #require(await other.response(1)?["error"])
        #expect(refused["code"] == -32602)
        #expect(refused["message"]?.stringValue?.contains("http") == true)
    }

    @Test func xmlWireFormat() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url, "--wire-format", "xml"])
        server.request(1, "openframe/createVoiceInteraction", ["payload": try Self.createPayload])
        let created = try #require(await server.response(1)?["result"])
        #expect(created["status"] == "SUCCESS" && created["number"]?.stringValue?.hasPrefix("IMS") == true)
        let request = try #require(try await standIn.requests().first)
        #expect(request.header("Content-Type")?.hasPrefix("application/xml") == true)
        #expect(request.header("Accept") == "application/xml")
        #expect(request["body"]?.stringValue?.contains("<userPhoneNumber>+1303506536</userPhoneNumber>") == true)
    }

    @Test func startUpConfigurationErrorsExitTwo() async throws {
        let insecure = try await CommandResult.run(["--instance", "http://example.com"])
        #expect(insecure.status == 2)
        #expect(insecure.stderr.contains("http"))
        let badAuth = try await CommandResult.run(["--request-timeout", "0"])
        #expect(badAuth.status == 2)
        #expect(badAuth.stderr.contains("--request-timeout must be a positive number"))
    }
}
