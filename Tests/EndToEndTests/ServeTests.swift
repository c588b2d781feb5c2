import Foundation
import JSON
import Testing

/// The real binary over pipes, as hosts drive it.
@Suite(.timeLimit(.minutes(2)))
struct ServeTests {
    static let validPayload: JSONValue = ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": "s-1"]]

    @Test(arguments: [ServerProcess.Framing.lsp, .ndjson])
    func lifecycleInBothFramings(_ framing: ServerProcess.Framing) async throws {
        let server = try ServerProcess([], framing: framing)
        server.request(1, "initialize", ["processId": nil, "capabilities": [:]])
        server.notify("initialized", [:])
        server.request(2, "openframe/validate", ["operation": "create", "payload": Self.validPayload])
        server.request(3, "shutdown")
        let initialize = try #require(await server.response(1))
        #expect(initialize["result"]?["serverInfo"]?["name"] == "openframe-rpc")
        #expect(
            initialize["result"]?["capabilities"]?["experimental"]?["openframe"]?["methods"]?.arrayValue?.contains("openframe/validate")
                == true)
        #expect(await server.response(2)?["result"]?["valid"] == true)
        #expect(await server.response(3)?["result"] == .null)
        server.notify("exit")
        #expect(await server.waitForExit() == 0)
        #expect(server.rawOutput.isEmpty, "stdout holds only whole protocol messages")
    }

    @Test func exitWithoutShutdownIsStatusOne() async throws {
        let server = try ServerProcess(["serve", "--stdio"], framing: .lsp)
        server.notify("exit")
        #expect(await server.waitForExit() == 1)
    }

    @Test func contentLengthCountsBytesNotCharacters() async throws {
        let server = try ServerProcess(["--framing", "lsp"], framing: .lsp)
        // "é" and "😀" are 2 and 4 bytes: a server counting characters would misread the frame.
        server.request(
            1, "openframe/validate", ["payload": ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": "café 😀"]]])
        server.request(2, "openframe/validate", ["payload": Self.validPayload])
        #expect(await server.response(1)?["result"]?["valid"] == true)
        #expect(await server.response(2)?["result"]?["valid"] == true)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func lspHeadersAreTolerant() async throws {
        let server = try ServerProcess([], framing: .lsp)
        let body =
            #"{"jsonrpc":"2.0","id":1,"method":"openframe/validate","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}"#
        let count = body.utf8.count
        // Stray blank lines, lowercase header names, a Content-Type, an unknown header, bare LF line ends.
        server.write(
            Array(
                "\r\n\r\ncontent-length: \(count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Extra: 1\r\n\r\n\(body)"
                    .utf8))
        server.write(Array("\nCONTENT-LENGTH:\(count)\n\n\(body.replacingOccurrences(of: "\"id\":1", with: "\"id\":2"))".utf8))
        #expect(await server.response(1)?["result"]?["valid"] == true)
        #expect(await server.response(2)?["result"]?["valid"] == true)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func endOfInputAnswersEverythingRead() async throws {
        let server = try ServerProcess([], framing: .ndjson)
        var text = ""
        for id in 1...500 {
            text +=
                #"{"jsonrpc":"2.0","id":\#(id),"method":"openframe/validate","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}"#
                + "\n"
        }
        server.write(Array(text.utf8))
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        let ids = server.received.compactMap { $0["id"]?.intValue }
        #expect(ids.count == 500)
        #expect(Set(ids) == Set(1...500))
    }

    @Test(arguments: [ServerProcess.Framing.lsp, .ndjson])
    func badInputGetsAnErrorAndTheStreamGoesOn(_ framing: ServerProcess.Framing) async throws {
        let server = try ServerProcess(["--max-message-bytes", "4096"], framing: framing)
        var expected = 0
        func valid(_ id: Int) {
            server.request(id, "openframe/validate", ["payload": Self.validPayload])
            expected += 1
        }
        valid(1)
        if framing == .lsp {
            server.write(Array("this is not a header\r\n\r\n".utf8)); expected += 1
            server.write(Array("Content-Type: x\r\n\r\n".utf8)); expected += 1
            server.write(Array("Content-Length: abc\r\n\r\n".utf8)); expected += 1
        } else {
            server.write(Array("this is not json\n".utf8)); expected += 1
        }
        valid(2)
        server.send(#"{"jsonrpc":"2.0","id":"\#(String(repeating: "x", count: 10_000))","method":"openframe/validate"}"#); expected += 1
        valid(3)
        server.write(
            framing == .lsp ? Array("Content-Length: 5\r\n\r\n".utf8) + [0x22, 0xFF, 0xFE, 0x22, 0x20] : [0x22, 0xFF, 0xFE, 0x22, 0x0A]);
        expected += 1
        valid(4)
        server.send(String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)); expected += 1
        valid(5)
        server.send(#"{"jsonrpc":"2.0","id":6,"method":"openframe/validate","params":{"payload":{}}}"#); expected += 1
        let messages = await server.waitForMessages(expected)
        #expect(messages.count == expected)
        for id in 1...5 { #expect(messages.contains { $0["id"]?.intValue == id && $0["result"]?["valid"] == true }, "request \(id)") }
        let errors = messages.filter { $0["error"] != nil && $0["id"] == .null }
        #expect(errors.count == expected - 6)
        #expect(errors.contains { $0["error"]?["code"] == -32600 && $0["error"]?["message"]?.stringValue?.contains("4096") == true })
        #expect(errors.contains { $0["error"]?["code"] == -32700 && $0["error"]?["message"]?.stringValue?.contains("UTF-8") == true })
        #expect(errors.contains { $0["error"]?["message"]?.stringValue?.contains("nesting deeper than") == true })
        // Truncated by end of input: still one error, then a clean exit.
        server.write(framing == .lsp ? Array("Content-Length: 100\r\n\r\n{\"jsonrpc\"".utf8) : [])
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        if framing == .lsp {
            #expect(server.received.last?["error"]?["message"]?.stringValue?.contains("truncated") == true)
        }
    }

    @Test func hostThatGoesAwayEndsTheServerQuietly() async throws {
        let process = Process()
        process.executableURL = ServerProcess.binary
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The host is gone: nobody reads the server's stdout any more.
        try output.fileHandleForReading.close()
        let line =
            #"{"jsonrpc":"2.0","id":1,"method":"openframe/validate","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}"#
            + "\n"
        for _ in 0..<50 { try? input.fileHandleForWriting.write(contentsOf: Data(line.utf8)) }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit, "no signal (SIGPIPE) killed it")
        #expect(process.terminationStatus == 0)
    }

    @Test func stdoutCarriesOnlyProtocolAndStderrTheBanner() async throws {
        let server = try ServerProcess(["--log-level", "info"], framing: .ndjson)
        server.request(1, "openframe/validate", ["payload": Self.validPayload])
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        #expect(server.received.count == 1)
        #expect(server.rawOutput.isEmpty)
        #expect(server.errorOutput.contains("openframe-rpc"))
    }

    @Test func usageErrorsExitTwo() async throws {
        let result = try await CommandResult.run(["serve", "--framing", "xml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--framing must be auto, lsp or ndjson"))
        let unknown = try await CommandResult.run(["--frmaing", "lsp"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown option '--frmaing' (did you mean --framing?)"))
    }
}
