import Foundation
import JSON
import Testing

/// The real binary as an editor's LSP client drives it: LSP framing, initialize with capabilities,
/// open, incremental changes after multi-byte characters, hover, completion, code actions, close,
/// shutdown and exit, each response and notification checked with exact ranges.
@Suite(.timeLimit(.minutes(2)))
struct EditorTests {
    static let uri = "file:///tmp/openframe-e2e/call.create.json"

    /// Line 2 holds é (2 bytes, 1 UTF-16 unit) and 😀 (4 bytes, 2 units) before the phone number.
    static let text = """
        {
          "interaction": {
            "clientSessionId": "é😀", "userPhoneNumber": "+1 408 996 5744"
          }
        }
        """

    /// Positions on line 2, in the session's encoding: (UTF-16, UTF-8).
    struct Columns {
        let utf8: Bool
        func at(_ utf16: Int, _ utf8: Int) -> JSONValue { ["line": 2, "character": .int(self.utf8 ? utf8 : utf16)] }
        func range(_ start16: Int, _ start8: Int, _ end16: Int, _ end8: Int) -> JSONValue {
            ["start": at(start16, start8), "end": at(end16, end8)]
        }
    }

    @Test(arguments: [true, false])
    func aWholeEditingSession(utf8Offered: Bool) async throws {
        let server = try ServerProcess(["--stdio"], framing: .lsp)
        let columns = Columns(utf8: utf8Offered)
        var general: JSONObject = [:]
        if utf8Offered { general["positionEncodings"] = ["utf-8", "utf-16"] }
        server.request(
            1, "initialize",
            [
                "processId": nil, "rootUri": nil,
                "capabilities": [
                    "general": .object(general), "textDocument": ["completion": ["completionItem": ["snippetSupport": false]]],
                ],
            ])
        let initialize = try #require(await server.response(1))
        var capabilities = try #require(initialize["result"]?["capabilities"]?.objectValue)
        let methods = capabilities["experimental"]?["openframe"]?["methods"]?.arrayValue ?? []
        #expect(methods.contains("openframe/validate") && methods.contains("openframe/schema"), "\(methods)")
        capabilities["experimental"] = nil
        #expect(
            JSONValue.object(capabilities) == [
                "positionEncoding": utf8Offered ? "utf-8" : "utf-16",
                "textDocumentSync": ["openClose": true, "change": 2],
                "hoverProvider": true,
                "completionProvider": ["triggerCharacters": ["\""], "resolveProvider": false],
                "codeActionProvider": ["codeActionKinds": ["quickfix"]],
            ])
        server.notify("initialized", [:])

        // Open: the phone number is not E.164.
        server.notify(
            "textDocument/didOpen",
            ["textDocument": ["uri": .string(Self.uri), "languageId": "json", "version": 1, "text": .string(Self.text)]])
        let opened = try #require(await server.publish(Self.uri, version: 1))
        let phone1 = try #require(opened["diagnostics"]?.arrayValue?.first)
        #expect(opened["diagnostics"]?.arrayValue?.count == 1)
        #expect(phone1["range"] == columns.range(49, 52, 66, 69))
        #expect(phone1["severity"] == 1)
        #expect(phone1["code"] == "invalid-phone-number")
        #expect(phone1["source"] == "openframe")

        // Two incremental changes: é becomes ü😀 (multi-byte for multi-byte), then a misspelt member at the line's end.
        server.notify(
            "textDocument/didChange",
            [
                "textDocument": ["uri": .string(Self.uri), "version": 2],
                "contentChanges": [["range": columns.range(24, 24, 25, 26), "text": "ü😀"]],
            ])
        server.notify(
            "textDocument/didChange",
            [
                "textDocument": ["uri": .string(Self.uri), "version": 3],
                "contentChanges": [["range": columns.range(68, 73, 68, 73), "text": #", "inbound_id": "x""#]],
            ])
        let changed = try #require(await server.publish(Self.uri, version: 3))
        let diagnostics = try #require(changed["diagnostics"]?.arrayValue)
        #expect(diagnostics.map { $0["code"] } == ["invalid-phone-number", "unknown-member"])
        #expect(diagnostics.map { $0["range"] } == [columns.range(51, 56, 68, 73), columns.range(70, 75, 82, 87)])
        #expect(diagnostics.map { $0["severity"] } == [1, 2])

        // Hover on userPhoneNumber (its key now spans 32..49 in UTF-16, 37..54 in UTF-8).
        server.request(2, "textDocument/hover", ["textDocument": ["uri": .string(Self.uri)], "position": columns.at(40, 45)])
        let hover = try #require(await server.response(2)?["result"])
        #expect(hover["range"] == columns.range(32, 37, 49, 54))
        #expect(hover["contents"]?["kind"] == "markdown")
        #expect(
            hover["contents"]?["value"]?.stringValue?.hasPrefix(
                "**userPhoneNumber** — `interaction.userPhoneNumber`\n\nPhone number of the user that made the call associated with the voice interaction."
            ) == true)

        // Completion inside the misspelt name: the members interaction still lacks; the colon is already there.
        server.request(3, "textDocument/completion", ["textDocument": ["uri": .string(Self.uri)], "position": columns.at(73, 78)])
        let completion = try #require(await server.response(3)?["result"])
        let items = try #require(completion["items"]?.arrayValue)
        #expect(items.map { $0["label"] } == ["callbackPhoneNumber", "inboundId", "additionalParams"])
        #expect(items[1]["textEdit"] == ["range": columns.range(70, 75, 82, 87), "newText": "\"inboundId\""])
        #expect(items[1]["documentation"]?["kind"] == "markdown")

        // Quick fixes for the whole document.
        server.request(
            4, "textDocument/codeAction",
            [
                "textDocument": ["uri": .string(Self.uri)],
                "range": ["start": ["line": 0, "character": 0], "end": ["line": 5, "character": 0]],
                "context": ["diagnostics": changed["diagnostics"]!],
            ])
        let actions = try #require(await server.response(4)?["result"]?.arrayValue)
        #expect(actions.map { $0["title"] } == ["Use +14089965744", "Rename to inboundId"])
        #expect(actions.allSatisfy { $0["kind"] == "quickfix" && $0["isPreferred"] == true })
        #expect(actions[0]["diagnostics"] == [diagnostics[0]])
        #expect(actions[1]["diagnostics"] == [diagnostics[1]])
        let phoneEdit = try #require(actions[0]["edit"]?["changes"]?[Self.uri]?.arrayValue)
        let renameEdit = try #require(actions[1]["edit"]?["changes"]?[Self.uri]?.arrayValue)
        #expect(phoneEdit == [["range": columns.range(51, 56, 68, 73), "newText": "\"+14089965744\""]])
        #expect(renameEdit == [["range": columns.range(70, 75, 82, 87), "newText": "\"inboundId\""]])

        // Apply both as the client would (the later one first) and the document is clean.
        server.notify(
            "textDocument/didChange",
            [
                "textDocument": ["uri": .string(Self.uri), "version": 4],
                "contentChanges": .array((renameEdit + phoneEdit).map { ["range": $0["range"]!, "text": $0["newText"]!] }),
            ])
        #expect(try #require(await server.publish(Self.uri, version: 4))["diagnostics"] == [])

        // An editor buffer that was never saved: the create rule applies.
        server.notify(
            "textDocument/didOpen", ["textDocument": ["uri": "untitled:Untitled-1", "languageId": "json", "version": 1, "text": "{}"]])
        let untitled = try #require(await server.publish("untitled:Untitled-1", version: 1))
        #expect(untitled["diagnostics"]?.arrayValue?.map { $0["code"] } == ["missing-member"])
        #expect(
            untitled["diagnostics"]?.arrayValue?.first?["range"] == [
                "start": ["line": 0, "character": 0], "end": ["line": 0, "character": 1],
            ])

        // Close clears; requests about a closed document say so.
        server.notify("textDocument/didClose", ["textDocument": ["uri": .string(Self.uri)]])
        let cleared = try #require(
            await server.notification("textDocument/publishDiagnostics") { $0["uri"]?.stringValue == Self.uri && $0["version"] == nil })
        #expect(cleared == ["uri": .string(Self.uri), "diagnostics": []])
        server.request(5, "textDocument/hover", ["textDocument": ["uri": .string(Self.uri)], "position": columns.at(40, 45)])
        #expect(await server.response(5)?["result"] == .null)
        server.request(6, "textDocument/completion", ["textDocument": ["uri": .string(Self.uri)], "position": columns.at(40, 45)])
        #expect(await server.response(6)?["error"]?["code"] == -32602)

        // The schema method answers what is checked in.
        server.request(7, "openframe/schema", ["operation": "create"])
        let schema = try #require(await server.response(7)?["result"])
        let checkedIn = try JSONParser.parse(
            Array(Data(contentsOf: ServerProcess.repositoryRoot.appendingPathComponent("schema/create.schema.json")))
        ).root.value
        #expect(schema == checkedIn)

        server.request(8, "shutdown")
        #expect(await server.response(8)?["result"] == .null)
        server.notify("exit")
        #expect(await server.waitForExit() == 0)
        #expect(server.rawOutput.isEmpty, "stdout holds only whole protocol messages")
        // Notifications are never answered: every response has one of the ids sent.
        #expect(server.received.compactMap { $0["id"]?.intValue }.sorted() == Array(1...8))
    }

    @Test func badChangesAreLoggedNotAnsweredAndAFullSyncRepairs() async throws {
        let server = try ServerProcess(["--log-level", "warning"], framing: .lsp)
        let uri = "file:///tmp/openframe-e2e/x.update.json"
        server.notify("textDocument/didOpen", ["textDocument": ["uri": .string(uri), "languageId": "json", "version": 1, "text": "{}"]])
        #expect(await server.publish(uri, version: 1)?["diagnostics"]?.arrayValue?.map { $0["code"] } == ["missing-member"])
        server.notify(
            "textDocument/didChange",
            [
                "textDocument": ["uri": .string(uri), "version": 2],
                "contentChanges": [["range": ["start": ["line": 0, "character": 1], "end": ["line": 0, "character": 0]], "text": "x"]],
            ])
        server.notify(
            "textDocument/didChange",
            ["textDocument": ["uri": "file:///never-opened.json", "version": 2], "contentChanges": [["text": "{"]]])
        server.notify(
            "textDocument/didChange",
            [
                "textDocument": ["uri": .string(uri), "version": 3],
                "contentChanges": [["text": #"{"interaction": {"inboundId": "i-1"}}"#]],
            ])
        // An update needs no userPhoneNumber: the document name decided the operation.
        #expect(await server.publish(uri, version: 3)?["diagnostics"] == [])
        server.closeInput()
        #expect(await server.waitForExit() == 0)
        #expect(!server.received.contains { $0["id"] != nil }, "no notification is answered")
        #expect(server.errorOutput.contains("ignored textDocument/didChange for \(uri)"))
        #expect(server.errorOutput.contains("ends (0:0) before it starts (0:1)"))
    }

    @Test func typingFastInALargeDocumentDropsStaleValidations() async throws {
        let server = try ServerProcess([], framing: .lsp)
        let uri = "file:///tmp/openframe-e2e/large.create.json"
        let log = #"{"call_id": "2323223", "agent": "a8f98bb0eb32010045e1a5115206fe3a", "start_time": "2024-11-04 21:45:00"}"#
        let text =
            "{\"interaction\": {\"clientSessionId\": \"\", \"userPhoneNumber\": \"+14089965744\"},\n\"phoneLogs\": [\n"
            + Array(repeating: log, count: 4000).joined(separator: ",\n") + "\n]}\n"
        server.notify(
            "textDocument/didOpen", ["textDocument": ["uri": .string(uri), "languageId": "json", "version": 1, "text": .string(text)]])
        // Type 60 characters into clientSessionId, faster than anyone types: all in one write.
        var burst: [UInt8] = []
        for version in 2...61 {
            let character = 37 + version - 2
            let change: JSONValue = [
                "jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": [
                    "textDocument": ["uri": .string(uri), "version": .int(version)],
                    "contentChanges": [
                        [
                            "range": [
                                "start": ["line": 0, "character": .int(character)], "end": ["line": 0, "character": .int(character)],
                            ], "text": "x",
                        ]
                    ],
                ],
            ]
            let body = JSONWriter.serialize(change)
            burst += Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        }
        server.write(burst)
        // Responsiveness is the benchmark's to measure; here: the hover is answered from the newest text.
        server.request(1, "textDocument/hover", ["textDocument": ["uri": .string(uri)], "position": ["line": 0, "character": 20]])
        let hover = try #require(await server.response(1, timeout: 30))
        #expect(hover["result"]?["range"] == ["start": ["line": 0, "character": 17], "end": ["line": 0, "character": 34]])
        let last = try #require(await server.publish(uri, version: 61, timeout: 60))
        #expect(last["diagnostics"] == [])
        try await Task.sleep(nanoseconds: 200_000_000)
        let versions = server.notifications("textDocument/publishDiagnostics").compactMap { $0["version"]?.intValue }
        #expect(versions.last == 61)
        #expect(versions.count < 61, "stale validations are dropped, not queued: \(versions)")
        #expect(versions == versions.sorted(), "never an older version after a newer one")
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }
}

/// `openframe-rpc schema`: what the method returns, and what regenerates the checked-in files.
struct SchemaCommandTests {
    @Test func writesTheCheckedInFilesByteForByte() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CommandResult.run(["schema", "--write", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["create.schema.json", "update.schema.json"] {
            let written = try Data(contentsOf: directory.appendingPathComponent(name))
            let checkedIn = try Data(contentsOf: ServerProcess.repositoryRoot.appendingPathComponent("schema/\(name)"))
            #expect(written == checkedIn, "\(name)")
        }
    }

    @Test func printsOneOrBoth() async throws {
        let one = try await CommandResult.run(["schema", "--operation", "update"])
        #expect(one.status == 0)
        let checkedIn = try Data(contentsOf: ServerProcess.repositoryRoot.appendingPathComponent("schema/update.schema.json"))
        #expect(Data(one.stdout.utf8) == checkedIn)
        let both = try await CommandResult.run(["schema"])
        let value = try JSONParser.parse(both.stdout).root.value
        #expect(value.objectValue?.keys == ["create", "update"])
        let wrong = try await CommandResult.run(["schema", "--operation", "delete"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("--operation must be 'create' or 'update'"))
    }
}

extension ServerProcess {
    /// The params of every notification `method` received so far.
    func notifications(_ method: String) -> [JSONValue] {
        received.filter { $0["method"]?.stringValue == method && $0["id"] == nil }.compactMap { $0["params"] }
    }

    /// The params of the first notification `method` matching `predicate`, once it arrives.
    func notification(_ method: String, timeout: TimeInterval = 10, where predicate: (JSONValue) -> Bool) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = notifications(method).first(where: predicate) { return found }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return notifications(method).first(where: predicate)
    }

    /// The publishDiagnostics of `uri` at `version`.
    func publish(_ uri: String, version: Int, timeout: TimeInterval = 10) async -> JSONValue? {
        await notification("textDocument/publishDiagnostics", timeout: timeout) {
            $0["uri"]?.stringValue == uri && $0["version"]?.intValue == version
        }
    }
}
