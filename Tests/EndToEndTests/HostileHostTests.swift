import Foundation
import JSON
import TestSupport
import Testing

/// Issue 14: what a hostile host (on stdio) or a hostile instance (over HTTP) found, each through
/// the real binary, as a host drives it. Each test failed before its fix.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct HostileHostTests {
    static let caller: JSONValue = ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": "hostile-1"]]

    static func create(_ id: Int, session: String = "hostile-1", token: String? = nil) -> JSONValue {
        var params: JSONObject = ["payload": ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": .string(session)]]]
        if let token { params["workDoneToken"] = .string(token) }
        return ["jsonrpc": "2.0", "id": .int(id), "method": "openframe/createVoiceInteraction", "params": .object(params)]
    }

    // MARK: 1. validate with text: linear on one long line, and cancellable

    /// One line of 2.6 MB: an emoji (2 UTF-16 units, 4 bytes) first, then 120,000 repeated keys.
    static let longLine: String = {
        "{\"interaction\":{\"userPhoneNumber\":\"+14089965744\",\"clientSessionId\":\"😀\","
            + Array(repeating: "\"clientSessionId\":\"x\"", count: 120_000).joined(separator: ",") + "}}"
    }()

    @Test func aLongOneLineDocumentIsAnsweredWithUTF16Ranges() async throws {
        let server = try ServerProcess(["--log-level", "warning"])
        server.request(1, "openframe/validate", ["text": .string(Self.longLine)])
        // A hang guard only: before the fix this took minutes (0.5 MB: 9.9 s, 2.7 MB: 250 s).
        let answer = try #require(await server.response(1, timeout: 120))
        let diagnostics = try #require(answer["result"]?["diagnostics"]?.arrayValue)
        #expect(diagnostics.count == 120_000)
        // The last repeated key: its UTF-16 column is its byte offset less 2 (the emoji: 4 bytes, 2 units).
        let bytes = Array(Self.longLine.utf8)
        let lastKey = bytes.count - "\"clientSessionId\":\"x\"}}".utf8.count
        let last = try #require(diagnostics.last)
        #expect(last["code"] == "duplicate-key")
        #expect(last["range"]?["start"] == ["line": 0, "character": .int(lastKey - 2)])
        #expect(last["path"] == "/interaction/clientSessionId")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func aCancelledValidationStopsItsWork() async throws {
        let server = try ServerProcess(["--log-level", "debug"])
        server.request(1, "openframe/validate", ["text": .string(Self.longLine)])
        server.notify("$/cancelRequest", ["id": 1])
        let answer = try #require(await server.response(1, timeout: 120))
        #expect(answer["error"]?["code"] == -32800)
        // The work itself stops: the validation says where it gave up, instead of running to the end.
        let deadline = Date().addingTimeInterval(120)
        while !server.errorOutput.contains("openframe/validate 1: cancelled; stopped before"), Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(server.errorOutput.contains("openframe/validate 1: cancelled; stopped before"), "\(server.errorOutput.suffix(600))")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    // MARK: 2. a batch's answer is bounded

    @Test func anOverlongBatchIsRefusedBeforeAnyWork() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess(["--sandbox", file.path])
        server.send(.array((1...1001).map { Self.create($0, session: "batch-\($0)") }))
        let refused = try #require(await server.waitForMessages(1).first)
        #expect(refused["id"] == .null)
        #expect(refused["error"]?["code"] == -32600)
        #expect(refused["error"]?["message"]?.stringValue?.contains("at most 1000") == true)
        // Nothing in it was served: the next create is the sandbox's first record.
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.caller])
        #expect(await server.response(2)?["result"]?["number"] == "IMS0000001")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func aBatchAnswerStopsGrowingAtItsLimit() async throws {
        // 1000 validations of 150 repeated keys each: about 45 KB of answer apiece, 45 MB in all.
        let text =
            "{\"interaction\":{\"userPhoneNumber\":\"+14089965744\","
            + Array(repeating: "\"clientSessionId\":\"x\"", count: 150).joined(separator: ",") + "}}"
        let server = try ServerProcess(["--log-level", "error"])
        server.send(
            .array(
                (1...1000).map { id in
                    ["jsonrpc": "2.0", "id": .int(id), "method": "openframe/validate", "params": ["text": .string(text)]]
                }))
        let messages = await server.waitForMessages(1, timeout: 180)
        let answers = try #require(messages.first?.arrayValue)
        #expect(answers.count == 1000)
        #expect(Set(answers.compactMap { $0["id"]?.intValue }) == Set(1...1000))
        let full = answers.filter { $0["result"]?["diagnostics"]?.arrayValue?.count == 149 }
        let left = answers.filter { $0["error"]?["code"] == -32600 }
        #expect(full.count + left.count == 1000)
        #expect(!full.isEmpty && !left.isEmpty)
        #expect(left.first?["error"]?["message"]?.stringValue?.contains("send this request on its own") == true)
        // At most 16 MiB of answers, plus the short errors.
        let frame = messages[0].jsonString.utf8.count
        #expect(frame <= 16 << 20 + 1000 * 4096, "\(frame) bytes")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    // MARK: 3. on cancel, the progress end goes before the answer

    @Test func aCancelledCreateSendsItsProgressEndFirstAndSaysItWasSent() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"[{"delay": 30, "times": -1, "match": {"operation": "create"}}]"#)
        let server = try ServerProcess(["--instance", standIn.url, "--max-concurrent-forwards", "1"])
        for round in 0..<5 {
            let first = 10 * round + 1, second = first + 1
            server.send(Self.create(first, token: "\(first)"))
            server.send(Self.create(second, token: "\(second)"))
            // Wait until one is on the wire and the other waits its turn behind it (either may win).
            func messages(_ id: Int) -> [String] {
                server.received.filter { $0["params"]?["token"] == .string("\(id)") }.compactMap {
                    $0["params"]?["value"]?["message"]?.stringValue
                }
            }
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let all = messages(first) + messages(second)
                if all.contains(where: { $0.hasPrefix("waiting for") }), all.contains(where: { $0.hasPrefix("queued") }) { break }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            let sent = messages(first).contains { $0.hasPrefix("waiting for") } ? first : second
            // The queued one first: cancelling the other frees its place, and it would go out.
            server.notify("$/cancelRequest", ["id": .int(sent == first ? second : first)])
            server.notify("$/cancelRequest", ["id": .int(sent)])
            for id in [first, second] {
                let answer = try #require(await server.response(id))
                #expect(answer["error"]?["code"] == -32800)
                #expect(answer["error"]?["data"] == ["sent": .bool(id == sent), "mayHaveActed": .bool(id == sent)])
                let received = server.received
                let answerAt = try #require(received.firstIndex { $0["id"]?.intValue == id })
                let endAt = received.firstIndex { $0["params"]?["token"] == .string("\(id)") && $0["params"]?["value"]?["kind"] == "end" }
                #expect(
                    endAt != nil && endAt! < answerAt,
                    "round \(round), id \(id): the end must come before the answer: \(received.suffix(6))")
                #expect(!received[answerAt...].contains { $0["params"]?["token"] == .string("\(id)") }, "nothing of it after its answer")
            }
            try await standIn.control("DELETE", "/requests")
        }
        server.closeInput()
        #expect(await server.waitForExit(timeout: 20) == 0)
    }

    // MARK: 4. secrets are scrubbed before text is shortened or reformatted

    /// 20 characters; its first six never occur in the texts around it.
    static let apiKey = "Kq7ZpW2mXv9LtR4nB8sY"
    static let spacedKey = "Jr5Hd  Wq8Nc3Vx6Tb1Zm"

    func expectNoPrefix(of key: String, in server: ServerProcess, _ what: String) {
        let prefix = String(key.prefix(6))
        let out = String(decoding: server.rawOutput, as: UTF8.self) + server.received.map(\.jsonString).joined()
        #expect(!out.contains(prefix), "\(what): the key's start reached stdout")
        #expect(!server.errorOutput.contains(prefix), "\(what): the key's start reached stderr")
        let collapsed = key.replacingOccurrences(of: "  ", with: " ")
        #expect(!out.contains(String(collapsed.prefix(6))), "\(what): the key, whitespace collapsed, reached stdout")
    }

    @Test(arguments: [
        (
            "985 A's then the key, in a ServiceNow error message", apiKey,
            #"{"status": 500, "error": {"message": "\#(String(repeating: "A", count: 985))\#(apiKey)", "detail": "echo"}}"#
        ),
        (
            "175 x's then the key, in an HTML page", apiKey,
            #"{"status": 502, "html": "<html><body><p>\#(String(repeating: "x", count: 175))\#(apiKey)</p></body></html>"}"#
        ),
        (
            "a key with two spaces, in an HTML page's text and comment", spacedKey,
            #"{"status": 502, "html": "<html><body><!-- \#(spacedKey) --><p>proxy saw \#(spacedKey)</p></body></html>"}"#
        ),
    ])
    func anEchoedSecretNeverShows(_ what: String, _ key: String, _ fault: String) async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults("[\(fault)]")
        let server = try ServerProcess(
            ["--instance", standIn.url, "--max-attempts", "1", "--log-level", "debug"], environment: ["OPENFRAME_API_KEY": key])
        server.send(Self.create(1, token: "scrub"))
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33001)
        let failed = server.received.first { $0["params"]?["value"]?["kind"] == "end" }?["params"]?["value"]?["message"]?.stringValue
        #expect(failed?.hasPrefix("failed:") == true)
        #expect(error["message"]?.stringValue?.contains("***") == true, "the scrubbed key is marked: \(error)")
        expectNoPrefix(of: key, in: server, what)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    // MARK: 5. an exit inside a batch

    @Test func anExitInsideABatchAnswersEveryMember() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try ServerProcess(["--sandbox", file.path])
        server.send(
            .array([Self.create(1, session: "before-exit"), ["jsonrpc": "2.0", "method": "exit"], Self.create(2, session: "after-exit")]))
        #expect(await server.waitForExit() == 1)
        let answers = try #require(server.received.first?.arrayValue)
        #expect(answers.count == 2)
        let first = try #require(answers.first { $0["id"] == 1 })
        let second = try #require(answers.first { $0["id"] == 2 })
        // The one after the exit is never served; the one before is answered, done or cancelled.
        #expect(second["error"]?["code"] == -32800)
        #expect(second["error"]?["data"]?["sent"] == false)
        let stored = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        #expect(!stored.contains("after-exit"))
        if let sysId = first["result"]?["sysId"]?.stringValue {
            #expect(stored.contains(sysId), "an answered create is in the file")
        } else {
            #expect(first["error"]?["code"] == -32800)
        }
    }

    // MARK: 6. a failed initialize

    @Test func aFailedInitializeCanBeRetriedAndNeverFallsBackToTheSandbox() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess()
        server.request(1, "initialize", ["initializationOptions": ["instance": "http://instance.example.com"]])
        #expect(await server.response(1)?["error"]?["code"] == -32602)
        server.send(Self.create(2))
        let refused = try #require(await server.response(2))
        #expect(refused["result"] == nil, "a host that asked for an instance never gets the sandbox's SUCCESS")
        #expect(refused["error"]?["code"] == -33002)
        #expect(refused["error"]?["data"]?["sent"] == false)
        #expect(refused["error"]?["message"]?.stringValue?.contains("send initialize again") == true)

        server.request(3, "initialize", ["initializationOptions": ["instance": .string(standIn.url)]])
        #expect(await server.response(3)?["result"]?["capabilities"]?["experimental"]?["openframe"]?["target"] == "instance")
        server.send(Self.create(4))
        #expect(await server.response(4)?["result"]?["target"] == "instance")
        server.request(5, "initialize", [:])
        #expect(await server.response(5)?["error"]?["code"] == -32600)
        #expect(try await standIn.requests().count == 1)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    // MARK: 7. a dead host

    /// The binary with both pipes under the test's control, so it can close them as a dying host does.
    final class DyingHost {
        let process = Process()
        let input = Pipe()
        let output = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = ServerProcess.binary
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            for key in environment.keys where key.hasPrefix("OPENFRAME_") { environment.removeValue(forKey: key) }
            process.environment = environment
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ value: JSONValue) { input.fileHandleForWriting.write(Data((value.jsonString + "\n").utf8)) }

        /// Both ends at once, as a host that dies does.
        func die() {
            try? input.fileHandleForWriting.close()
            try? output.fileHandleForReading.close()
        }

        func waitForExit(timeout: TimeInterval) async -> Int32? {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 10_000_000) }
            return process.isRunning ? nil : process.terminationStatus
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    @Test(arguments: [
        #"{"status": 503, "retryAfter": "999999", "times": -1}"#,
        #"{"delay": 60, "times": -1}"#,
    ])
    func aServerDoesNotOutliveItsHostWhileForwarding(_ fault: String) async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults("[\(fault)]")
        let host = try DyingHost(["--instance", standIn.url, "--request-timeout", "120", "--max-attempts", "5"])
        host.send(Self.create(1))
        let deadline = Date().addingTimeInterval(20)
        while try await standIn.requests().isEmpty, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        try #require(try await standIn.requests().count == 1)
        host.die()
        // A hang guard, far from the figures before the fix: 29 s (timeout) and 119 s (Retry-After).
        let status = await host.waitForExit(timeout: 15)
        #expect(status == 0, "the server must end with its host")
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try await standIn.requests().count == 1, "nothing more is sent for a host that is gone")
    }

    // MARK: questionable: one sys_id rule for every target

    @Test func anUppercaseSysIdMeansTheSameRecordEverywhere() async throws {
        let sandbox = try ServerProcess()
        sandbox.send(Self.create(1))
        let sysId = try #require(await sandbox.response(1)?["result"]?["sysId"]?.stringValue)
        sandbox.request(2, "openframe/updateVoiceInteraction", ["interactionSysId": .string(sysId.uppercased()), "payload": Self.caller])
        #expect(await sandbox.response(2)?["result"]?["status"] == "SUCCESS")
        sandbox.closeInput()
        #expect(await sandbox.waitForExit() == 0)

        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url])
        server.send(Self.create(1))
        let instanceSysId = try #require(await server.response(1)?["result"]?["sysId"]?.stringValue)
        server.request(
            2, "openframe/updateVoiceInteraction", ["interactionSysId": .string(instanceSysId.uppercased()), "payload": Self.caller])
        #expect(await server.response(2)?["result"]?["status"] == "SUCCESS")
        let requests = try await standIn.requests()
        #expect(requests.last?["path"] == .string("/api/now/openframe/voice-interaction/\(instanceSysId)"))
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }
}
