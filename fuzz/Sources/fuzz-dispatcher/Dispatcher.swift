// Fuzz target: the JSON-RPC dispatcher (`JSONRPC.Server`) with the real openframe methods behind it
// (`OpenFrameService(target: Sandbox())`: openframe/validate, create/update forwarded to an in-memory
// embedded sandbox, the editor methods, initialize/shutdown/exit, $/cancelRequest).
//
// fuzz-options: -dict=json.dict -max_len=8192
//
// Input: NDJSON: each non-empty line is one frame handed to `Server.receive(frame:)` (arbitrary
// bytes, not only valid JSON), then `endOfInput()`, which waits until every request read is answered.
//
// Properties (the expected answers are worked out here from the frames, by JSON-RPC 2.0's rules,
// independently of `MessageParser`):
//  * never a crash or a hang;
//  * a frame that is not JSON gets exactly one error -32700 with id null; a frame that is neither an
//    object nor a non-empty array gets one error -32600 with id null;
//  * exactly one response per request (a member with "jsonrpc":"2.0", an "id" and a string "method"),
//    with an equal id compared as JSON text (1 and 1.0 differ; strings compare by their decoded
//    value, since the writer may escape differently); the same id twice gets two responses;
//  * an invalid member (not an object, id of a wrong kind, "jsonrpc" not "2.0", no or a non-string
//    "method", params neither object nor array) gets one error -32600, with its id when it has a valid
//    one, else null; a response object (result/error and an id, no method) and a notification get none;
//  * a batch gets one array holding exactly its members' answers (non-empty), nothing when no member
//    is answered; a single message's answer is never inside an array;
//  * every response is valid JSON-RPC 2.0: parses with JSONParser, no duplicate members, exactly
//    "jsonrpc":"2.0", "id" and one of "result"/"error"; an error has an integer "code" that is one of
//    the codes the server documents (`ErrorCode.sentByServer`), a string "message", optionally "data", nothing else;
//    no message is over 16 MiB (the transport's default maxMessageBytes);
//  * what the server sends on its own ($/progress, textDocument/publishDiagnostics) is a valid
//    notification (no id, a string method, params an object).
//
// Harness choices (documented in fuzz/README.md):
//  * the server's exit handler is its default, a no-op: `exit` cancels what is in flight (each such request still gets exactly
//    one answer) and the server keeps reading, so frames after an `exit` are checked too. With the
//    real handler the process would end, which libFuzzer reports as a crash.
//  * `shutdown` needs nothing special: its answer waits for the requests before it, which the sandbox
//    answers in microseconds, and requests after it are answered with -32600.
//  * `initialize` with a non-empty string `initializationOptions.instance` would switch the target to
//    an InstanceClient that sends HTTP to whatever host the input names; the harness answers those
//    with its own -32602 instead of calling the real handler. Everything else of initialize (auth
//    without an instance, which keeps a sandbox; malformed options) runs the real code.
//  * logging is off (Log.shared.level = .off): the server logs every invalid message at debug level
//    and framing errors as warnings, which would only slow the target down.

import Foundation
import FuzzSupport
import JSON
import JSONRPC
import OpenFrameForwarding
import OpenFrameServer

/// Collects what the server sends; handlers answer from other threads, hence the lock.
final class CollectingOutput: MessageOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var _bodies: [[UInt8]] = []
    func send(_ body: [UInt8]) { lock.withLock { _bodies.append(body) } }
    var bodies: [[UInt8]] { lock.withLock { _bodies } }
}

/// What one answer must look like.
struct Expected: CustomStringConvertible {
    enum Code { case parseError, invalidRequest, any }
    var id: String
    var code: Code
    var description: String { "\(id):\(code)" }
}

/// An answer as sent.
struct Actual: CustomStringConvertible {
    var id: String
    /// nil for a result.
    var errorCode: Int?
    var description: String { "\(id):\(errorCode.map(String.init) ?? "result")" }
}

enum FrameExpectation {
    case nothing
    case single(Expected)
    case batch([Expected])
}

/// An id as comparable text: numbers as written (1 and 1.0 differ), strings by value, null.
func idKey(_ node: JSONNode) -> String {
    switch node.kind {
    case .number: return "n:" + String(decoding: node.rawBytes, as: UTF8.self)
    case .string: return "s:" + node.stringValue!
    case .null: return "null"
    default: return "?" + node.kind.description
    }
}

/// The value of the last member named `key` (as JSON readers conventionally do; `MessageParser` too).
func lastMember(_ node: JSONNode, _ key: String) -> JSONNode? {
    var found: JSONNode?
    for member in node.members where member.key == key { found = member.value }
    return found
}

/// JSON-RPC 2.0 §6/§4/§5, applied to one batch member or single message: its answer, if any.
func expectation(ofMember node: JSONNode) -> Expected? {
    guard node.kind == .object else { return Expected(id: "null", code: .invalidRequest) }
    let idNode = lastMember(node, "id")
    var id: String? = nil
    if let idNode {
        guard idNode.kind == .number || idNode.kind == .string || idNode.kind == .null else {
            return Expected(id: "null", code: .invalidRequest)
        }
        id = idKey(idNode)
    }
    let answerID = id ?? "null"
    guard let version = lastMember(node, "jsonrpc"), version.stringValue == "2.0" else {
        return Expected(id: answerID, code: .invalidRequest)
    }
    guard let method = lastMember(node, "method") else {
        if id != nil, lastMember(node, "result") != nil || lastMember(node, "error") != nil { return nil }  // a response
        return Expected(id: answerID, code: .invalidRequest)
    }
    guard method.kind == .string else { return Expected(id: answerID, code: .invalidRequest) }
    if let params = lastMember(node, "params"), params.kind != .object, params.kind != .array {
        return Expected(id: answerID, code: .invalidRequest)
    }
    guard let id else { return nil }  // a notification
    return Expected(id: id, code: .any)
}

func expectation(ofFrame frame: [UInt8]) -> FrameExpectation {
    guard let document = try? JSONParser.parse(frame, options: .init(detectDuplicateKeys: false)) else {
        return .single(Expected(id: "null", code: .parseError))
    }
    let root = document.root
    switch root.kind {
    case .object:
        return expectation(ofMember: root).map { .single($0) } ?? .nothing
    case .array where root.count > 0:
        let answers = root.elements.compactMap { expectation(ofMember: $0) }
        return answers.isEmpty ? .nothing : .batch(answers)
    default:
        return .single(Expected(id: "null", code: .invalidRequest))
    }
}

let documentedCodes = Set(ErrorCode.sentByServer.map(\.code.rawValue))
let maxMessageBytes = 16 << 20

/// Checks one response object and returns it as an `Actual`.
func response(_ node: JSONNode, in body: [UInt8]) -> Actual {
    let what = { "response \(escaped(body))" }
    fuzzCheck(node.kind == .object, "not an object: \(what())")
    var keys = Set<String>()
    for member in node.members {
        fuzzCheck(keys.insert(member.key).inserted, "duplicate member \"\(member.key)\": \(what())")
    }
    fuzzCheck(node["jsonrpc"]?.stringValue == "2.0", "no \"jsonrpc\":\"2.0\": \(what())")
    guard let id = node["id"] else { fuzzFailure("no id: \(what())") }
    fuzzCheck(id.kind == .number || id.kind == .string || id.kind == .null, "id of kind \(id.kind): \(what())")
    let result = node["result"], error = node["error"]
    fuzzCheck((result == nil) != (error == nil), "not exactly one of result and error: \(what())")
    fuzzCheck(keys.count == 3, "members other than jsonrpc, id, result/error: \(what())")
    guard let error else { return Actual(id: idKey(id), errorCode: nil) }
    fuzzCheck(error.kind == .object, "error is not an object: \(what())")
    var errorKeys = Set<String>()
    for member in error.members {
        fuzzCheck(["code", "message", "data"].contains(member.key), "error member \"\(member.key)\": \(what())")
        fuzzCheck(errorKeys.insert(member.key).inserted, "duplicate error member \"\(member.key)\": \(what())")
    }
    guard let codeNode = error["code"], codeNode.kind == .number,
          let code = codeNode.intValue, codeNode.rawBytes.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) })
    else { fuzzFailure("error.code is not an integer: \(what())") }
    fuzzCheck(documentedCodes.contains(code), "error.code \(code) is not one protocol.md documents: \(what())")
    fuzzCheck(error["message"]?.kind == .string, "error.message is not a string: \(what())")
    return Actual(id: idKey(id), errorCode: code)
}

/// Expected and actual answers pair up one to one (ids equal, codes where the rules fix them).
func matches(_ expected: [Expected], _ actual: [Actual]) -> Bool {
    guard expected.count == actual.count else { return false }
    var remaining = actual
    // The specific expectations first; `.any` takes whatever is left with its id.
    for want in expected.sorted(by: { ($0.code == .any ? 1 : 0) < ($1.code == .any ? 1 : 0) }) {
        let index = remaining.firstIndex { got in
            guard got.id == want.id else { return false }
            switch want.code {
            case .parseError: return got.errorCode == ErrorCode.parseError.rawValue
            case .invalidRequest: return got.errorCode == ErrorCode.invalidRequest.rawValue
            case .any: return true
            }
        }
        guard let index else { return false }
        remaining.remove(at: index)
    }
    return true
}

/// Switches the target to an InstanceClient (network); see the header.
func namesAnInstance(_ params: JSONNode?) -> Bool {
    guard let options = params?["initializationOptions"], options.kind == .object,
          let instance = options["instance"], let name = instance.stringValue else { return false }
    return !name.isEmpty
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDispatcher(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    Log.shared.level = .off
    let output = CollectingOutput()
    let server = Server(output: output)
    let service = OpenFrameService(target: Sandbox())
    // The Registrar owns `initialize` (set once); a step added before the service's runs first.
    let registrar = Registrar(server: server)
    registrar.onInitialize { params in
        if namesAnInstance(params) {
            throw ResponseError.invalidParams("fuzz harness: initializationOptions.instance is not exercised (it would send HTTP)")
        }
    }
    service.install(on: registrar)
    // No exit handler: the server's default does nothing, so `exit` in the input ends nothing here.

    let frames = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
    for frame in frames { server.receive(frame: frame) }
    server.endOfInput()
    let bodies = output.bodies

    var expectedSingles: [Expected] = []
    var expectedBatches: [[Expected]] = []
    for frame in frames {
        switch expectation(ofFrame: frame) {
        case .nothing: break
        case .single(let one): expectedSingles.append(one)
        case .batch(let many): expectedBatches.append(many)
        }
    }

    var actualSingles: [Actual] = []
    var actualBatches: [[Actual]] = []
    for body in bodies {
        fuzzCheck(body.count <= maxMessageBytes, "a message of \(body.count) bytes")
        let document: JSONDocument
        do {
            document = try JSONParser.parse(body, options: .init(detectDuplicateKeys: false))
        } catch {
            fuzzFailure("the server sent invalid JSON (\(error)): \(escaped(body))")
        }
        let root = document.root
        if root.kind == .array {
            fuzzCheck(root.count > 0, "an empty batch answer")
            actualBatches.append(root.elements.map { response($0, in: body) })
        } else if root.kind == .object, root["id"] == nil, root["method"] != nil {
            // Sent by the server on its own: $/progress, textDocument/publishDiagnostics (those may
            // also arrive after endOfInput, so they are checked but not counted).
            fuzzCheck(root["jsonrpc"]?.stringValue == "2.0", "notification without \"jsonrpc\":\"2.0\": \(escaped(body))")
            fuzzCheck(root["method"]?.kind == .string, "notification method not a string: \(escaped(body))")
            fuzzCheck(root["params"].map { $0.kind == .object } ?? true, "notification params not an object: \(escaped(body))")
        } else {
            actualSingles.append(response(root, in: body))
        }
    }

    let context = { "\ninput: \(escaped(input, limit: 1500))\nexpected singles: \(expectedSingles)\nactual singles: \(actualSingles)\nexpected batches: \(expectedBatches)\nactual batches: \(actualBatches)" }
    fuzzCheck(matches(expectedSingles, actualSingles), "the single answers do not match the requests" + context())
    fuzzCheck(expectedBatches.count == actualBatches.count, "\(actualBatches.count) batch answers for \(expectedBatches.count) answered batches" + context())
    // Batches may complete in any order: pair each answer array with one batch it answers.
    var open = expectedBatches
    for batch in actualBatches {
        guard let index = open.firstIndex(where: { matches($0, batch) }) else {
            fuzzFailure("a batch answer \(batch) matches no batch sent" + context())
        }
        open.remove(at: index)
    }
    return 0
}
