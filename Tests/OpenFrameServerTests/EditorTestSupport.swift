import Foundation
import JSON
import JSONRPC
import OpenFrameForwarding
import Testing

@testable import OpenFrameServer

/// Collects what the server writes (a copy of JSONRPCTests' helper: test targets do not import each other).
final class EditorTestOutput: MessageOutput, @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [[UInt8]] = []

    func send(_ body: [UInt8]) {
        condition.withLock {
            messages.append(body)
            condition.broadcast()
        }
    }

    var values: [JSONValue] { condition.withLock { messages.map { try! JSONParser.parse($0).root.value } } }
    var count: Int { condition.withLock { messages.count } }
}

/// A server with editor support, driven in process as an LSP client drives it. Notifications and
/// small requests run inline on the calling thread, as on the reader thread; validation runs on
/// its own queue, so tests poll for `publishDiagnostics`.
final class EditorClient: @unchecked Sendable {
    let output = EditorTestOutput()
    let server: Server
    /// The editor support under test; nil when it came with the whole service (whose instance is private).
    let editor: EditorSupport?
    private let lock = NSLock()
    private var nextID = 100

    /// `positionEncodings` nil sends no `general` capabilities (an LSP 3.16 client). `service` installs
    /// the whole OpenFrameService (as the executable does) instead of EditorSupport alone.
    init(positionEncodings: [String]? = nil, snippets: Bool = false, service: Bool = false, initialize: Bool = true) {
        server = Server(output: output)
        if service {
            OpenFrameService(target: Sandbox()).install(on: server)
            editor = nil
        } else {
            editor = EditorSupport.install(on: Registrar(server: server))
        }
        if initialize { self.initialize(positionEncodings: positionEncodings, snippets: snippets) }
    }

    static func initializeParams(positionEncodings: [String]?, snippets: Bool) -> JSONValue {
        var capabilities: JSONObject = [
            "textDocument": ["completion": ["completionItem": ["snippetSupport": .bool(snippets)]]]
        ]
        if let positionEncodings { capabilities["general"] = ["positionEncodings": .array(positionEncodings.map { .string($0) })] }
        return ["processId": nil, "rootUri": nil, "capabilities": .object(capabilities)]
    }

    @discardableResult
    func initialize(positionEncodings: [String]?, snippets: Bool) -> JSONValue {
        let result = request("initialize", Self.initializeParams(positionEncodings: positionEncodings, snippets: snippets))
        notify("initialized", [:])
        return result
    }

    func send(_ value: JSONValue) { server.receive(frame: JSONWriter.serialize(value)) }

    func notify(_ method: String, _ params: JSONValue) {
        send(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// Sends a request and returns its whole response (the handlers under test are synchronous and run inline).
    @discardableResult
    func request(_ method: String, _ params: JSONValue?) -> JSONValue {
        let id = lock.withLock {
            nextID += 1
            return nextID
        }
        var message: JSONObject = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
        return output.values.first { $0["id"]?.intValue == id } ?? .null
    }

    // MARK: documents

    func open(_ uri: String, _ text: String, version: Int = 1, languageId: String = "json") {
        notify(
            "textDocument/didOpen",
            ["textDocument": ["uri": .string(uri), "languageId": .string(languageId), "version": .int(version), "text": .string(text)]])
    }

    func change(_ uri: String, version: Int, _ changes: [JSONValue]) {
        notify(
            "textDocument/didChange", ["textDocument": ["uri": .string(uri), "version": .int(version)], "contentChanges": .array(changes)])
    }

    func close(_ uri: String) {
        notify("textDocument/didClose", ["textDocument": ["uri": .string(uri)]])
    }

    var publishes: [JSONValue] {
        output.values.filter { $0["method"] == "textDocument/publishDiagnostics" }.compactMap { $0["params"] }
    }

    func publishes(_ uri: String) -> [JSONValue] { publishes.filter { $0["uri"]?.stringValue == uri } }

    /// The first publishDiagnostics for `uri` matching `predicate`, polling without blocking the pool.
    func waitForPublish(_ uri: String, timeout: TimeInterval = 10, where predicate: (JSONValue) -> Bool = { _ in true }) async -> JSONValue?
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = publishes(uri).first(where: predicate) { return found }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return nil
    }

    func waitForPublish(_ uri: String, version: Int) async -> JSONValue? {
        await waitForPublish(uri) { $0["version"]?.intValue == version }
    }

    /// Lets queued validations finish (for tests that check that nothing more is published).
    func settle() async {
        try? await Task.sleep(nanoseconds: 100_000_000)
    }

    // MARK: requests

    func hover(_ uri: String, _ at: (line: Int, character: Int)) -> JSONValue {
        request("textDocument/hover", ["textDocument": ["uri": .string(uri)], "position": position(at)])
    }

    func completion(_ uri: String, _ at: (line: Int, character: Int)) -> JSONValue {
        request("textDocument/completion", ["textDocument": ["uri": .string(uri)], "position": position(at)])
    }

    func codeActions(_ uri: String, _ range: JSONValue, only: [String]? = nil) -> JSONValue {
        var context: JSONObject = ["diagnostics": []]
        if let only { context["only"] = .array(only.map { .string($0) }) }
        return request("textDocument/codeAction", ["textDocument": ["uri": .string(uri)], "range": range, "context": .object(context)])
    }
}

func position(_ at: (line: Int, character: Int)) -> JSONValue { ["line": .int(at.line), "character": .int(at.character)] }

func range(_ start: (line: Int, character: Int), _ end: (line: Int, character: Int)) -> JSONValue {
    ["start": position(start), "end": position(end)]
}

/// An incremental change.
func edit(_ range: JSONValue, _ text: String) -> JSONValue { ["range": range, "text": .string(text)] }

/// A full-text change.
func fullText(_ text: String) -> JSONValue { ["text": .string(text)] }

/// Where the `occurrence`-th `needle` starts in `text` (plus `offset` characters of the needle),
/// as a position in the given encoding.
func locate(
    _ needle: String, in text: String, plus offset: Int = 0, encoding: PositionEncoding = .utf16, occurrence: Int = 0
) -> (line: Int, character: Int) {
    var found = text.range(of: needle)!
    for _ in 0..<occurrence { found = text.range(of: needle, range: found.upperBound..<text.endIndex)! }
    let start = text.index(found.lowerBound, offsetBy: offset)
    let bytes = text.utf8.distance(from: text.startIndex, to: start)
    let position = LineIndex(Array(text.utf8)).position(of: bytes, encoding: encoding)
    return (position.line, position.character)
}

/// The LSP range of the `occurrence`-th `needle` in `text`.
func rangeOf(_ needle: String, in text: String, encoding: PositionEncoding = .utf16, occurrence: Int = 0) -> JSONValue {
    range(
        locate(needle, in: text, encoding: encoding, occurrence: occurrence),
        locate(needle, in: text, plus: needle.count, encoding: encoding, occurrence: occurrence))
}
