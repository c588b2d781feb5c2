import Foundation
import JSON
import JSONRPC
import OpenFrame
import OpenFrameForwarding
import Testing

@testable import OpenFrameServer

/// protocol.md is the contract hosts are written against, and the clients' error maps are written
/// from it: these tests read its tables (error codes, diagnostic codes, methods, capabilities) and the
/// clients' maps, and compare them with what the code defines and what the server answers, so that
/// neither the document nor a client can drift from the server.
struct ProtocolDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func protocolDocument() throws -> Markdown { Markdown(try read("protocol.md")) }

    // MARK: error codes

    @Test func errorCodeTableIsTheServersCodes() throws {
        let rows = try Self.protocolDocument().table(under: "## Error codes")
        let documented = try rows.map { row -> String in
            let code = try #require(Int(row[0]), "code cell \(row[0])")
            return "\(code) \(Markdown.codeSpan(row[1]) ?? row[1])"
        }
        let defined = ErrorCode.sentByServer.map { "\($0.code.rawValue) \($0.name)" }
        #expect(documented == defined, "protocol.md's Error codes table and ErrorCode.sentByServer differ (same order, please)")
        #expect(Set(ErrorCode.sentByServer.map(\.code)).count == ErrorCode.sentByServer.count, "a code listed twice")
    }

    @Test func openFrameCodesStayOutOfBothReservedRanges() {
        let reserved = [ErrorCode.jsonRPCReservedRange, ErrorCode.lspReservedRange]
        #expect(!reserved.contains { $0.overlaps(ErrorCode.openFrameRange) })
        #expect(
            ErrorCode.openFrameRange.contains(ErrorCode.outboxRange.lowerBound)
                && ErrorCode.openFrameRange.contains(ErrorCode.outboxRange.upperBound))
        for (name, code) in ErrorCode.sentByServer where !ErrorCode.sentByJSONRPC.contains(where: { $0.code == code }) {
            #expect(ErrorCode.openFrameRange.contains(code.rawValue), "\(name) \(code) is outside openframe-rpc's block")
            let durable = [ErrorCode.outboxUnavailable, .deliveryParked].contains(code)
            #expect(
                ErrorCode.outboxRange.contains(code.rawValue) == durable,
                "\(name) \(code): durable delivery's codes, and only they, are in the outbox block")
        }
        for (name, code) in ErrorCode.sentByJSONRPC {
            #expect(reserved.contains { $0.contains(code.rawValue) }, "\(name) \(code) is JSON-RPC's or LSP's")
        }
    }

    /// The forwarding errors the server answers carry the codes the table gives them.
    @Test func forwardingErrorsUseTheNamedCodes() {
        let instance = ForwardingErrorMapping.responseError(.instance(httpStatus: 404, message: "No Record found", detail: nil))
        let unreachable = ForwardingErrorMapping.responseError(.unreachable(reason: "connection refused", mayHaveActed: false))
        #expect(instance.json["code"] == .int(-33001))
        #expect(unreachable.json["code"] == .int(-33002))
    }

    /// Every code quoted anywhere in the docs (ranges aside) is one the table documents; protocol.md's
    /// Error codes section itself is checked row by row above (its notes name LSP's codes and the old ones).
    @Test(arguments: ["protocol.md", "README.md", "clients/python/README.md", "clients/node/README.md"])
    func everyCodeTheDocsQuoteIsDocumented(_ path: String) throws {
        let documented = Set(ErrorCode.sentByServer.map(\.code.rawValue))
        var text = try Self.read(path)
        if path == "protocol.md" {
            let section = try #require(text.range(of: "\n## Error codes\n"))
            let next = try #require(text.range(of: "\n## ", range: section.upperBound..<text.endIndex))
            text.removeSubrange(section.upperBound..<next.lowerBound)
        }
        for code in Markdown.quotedErrorCodes(in: text) {
            #expect(documented.contains(code), "\(path) quotes \(code), which the server does not send")
        }
    }

    @Test func pythonClientNamesEveryCode() throws {
        let source = try Self.read("clients/python/src/openframe_rpc/errors.py")
        var constants: [String: Int] = [:]
        for line in source.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count == 3, parts[1] == "=", parts[0].allSatisfy({ $0.isUppercase || $0 == "_" }), let value = Int(parts[2]) {
                constants[String(parts[0])] = value
            }
        }
        let expected = Dictionary(uniqueKeysWithValues: ErrorCode.sentByServer.map { (Self.upperSnake($0.name), $0.code.rawValue) })
        #expect(constants == expected)
        try Self.checkReadme(
            "clients/python/README.md", classes: Self.pairs(in: source, between: "_BY_CODE = {", and: "}", separator: ":"),
            codes: constants)
    }

    @Test func nodeClientNamesEveryCode() throws {
        let source = try Self.read("clients/node/src/errors.js")
        let codes = Self.members(in: source, between: "export const ErrorCodes = Object.freeze({", and: "});")
        let expected = Dictionary(uniqueKeysWithValues: ErrorCode.sentByServer.map { ($0.name, $0.code.rawValue) })
        #expect(codes == expected)
        let declared = Self.members(
            in: try Self.read("clients/node/index.d.ts"), between: "export declare const ErrorCodes: Readonly<{", and: "}>;")
        #expect(declared == expected, "index.d.ts")
        let classes = Self.pairs(in: source, between: "const byCode = new Map([", and: "]);", separator: ",")
            .map {
                (key: $0.key.replacingOccurrences(of: "[ErrorCodes.", with: ""), value: $0.value.replacingOccurrences(of: "]", with: ""))
            }
        try Self.checkReadme("clients/node/README.md", classes: classes, codes: codes)
    }

    /// Each exception class a client maps a code to is described in its README with that code.
    static func checkReadme(_ path: String, classes: [(key: String, value: String)], codes: [String: Int]) throws {
        #expect(classes.count >= 4, "\(path): the client's code-to-class map was not found")
        let readme = try read(path)
        for (constant, className) in classes {
            let code = try #require(codes[constant], "\(constant) is not a code constant")
            let row = readme.split(separator: "\n").first { $0.hasPrefix("| `\(className)` |") }
            #expect(row?.contains("`\(code)`") == true, "\(path): the row of \(className) does not say `\(code)`")
        }
    }

    /// `NAME: -123,` (or `;`) lines between two markers.
    static func members(in source: String, between start: String, and end: String) -> [String: Int] {
        Dictionary(
            pairs(in: source, between: start, and: end, separator: ":").compactMap { pair in
                Int(pair.value).map { (pair.key, $0) }
            }, uniquingKeysWith: { first, _ in first })
    }

    static func pairs(in source: String, between start: String, and end: String, separator: Character) -> [(key: String, value: String)] {
        guard let from = source.range(of: start), let to = source.range(of: end, range: from.upperBound..<source.endIndex) else {
            return []
        }
        return source[from.upperBound..<to.lowerBound].split(separator: "\n").compactMap { line in
            let parts = line.split(separator: separator, maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let trim: (Substring) -> String = { $0.trimmingCharacters(in: CharacterSet(charactersIn: " ,;")) }
            return (trim(parts[0]), trim(parts[1]))
        }
    }

    static func upperSnake(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase, !out.isEmpty { out.append("_") }
            out.append(contentsOf: character.uppercased())
        }
        return out
    }

    // MARK: diagnostic codes

    @Test func diagnosticCodeTableIsDiagnosticCodeAllCases() throws {
        let rows = try Self.protocolDocument().table(under: "### Diagnostic codes")
        let documented = rows.map { "\(Markdown.codeSpan($0[0]) ?? $0[0]) \($0[1])" }
        let defined = DiagnosticCode.allCases.map { "\($0.rawValue) \($0.severity.rawValue)" }
        #expect(documented == defined, "protocol.md's Diagnostic codes table and DiagnosticCode differ (code, severity, order)")
    }

    // MARK: methods

    @Test func methodTableIsWhatTheServerHandles() async throws {
        let rows = try Self.protocolDocument().table(under: "## Methods")
        var documented: [String: Set<String>] = [:]
        for row in rows {
            let method = try #require(Markdown.codeSpan(row[0]), "method cell \(row[0])")
            documented[row[1], default: []].insert(method)
        }
        #expect(Set(documented.keys) == ["request", "notification", "server notification"])
        let harness = ServiceHarness()
        let handled = harness.server.handledMethods
        #expect(documented["request"] == handled.requests)
        #expect(documented["notification"] == handled.notifications)
        // Durable delivery's notifications need an outbox and an instance's answer to be seen; they are
        // driven end to end in DurableDeliveryTests and named here from the one place that sends them.
        #expect(try await Self.notificationsTheServerSends().union(OutboxNotifications.all) == documented["server notification"])
    }

    /// The methods of what the server sends on its own, seen by driving it: a create with progress, an open document.
    static func notificationsTheServerSends() async throws -> Set<String> {
        let harness = ServiceHarness()
        harness.request(
            1, "openframe/createVoiceInteraction",
            [
                "workDoneToken": "t", "payload": ["interaction": ["userPhoneNumber": "+14089965744"]],
            ])
        _ = try #require(await harness.response(1))
        let editor = EditorClient()
        editor.open("file:///a.create.json", "{}")
        _ = try #require(await editor.waitForPublish("file:///a.create.json"))
        let sent = harness.messages + editor.output.values
        return Set(sent.filter { $0["id"] == nil }.compactMap { $0["method"]?.stringValue })
    }

    /// A request named in the table really is answered (not -32601), and a name outside it is not.
    @Test func everyDocumentedRequestIsAnswered() async throws {
        let rows = try Self.protocolDocument().table(under: "## Methods").filter { $0[1] == "request" }
        for row in rows {
            let method = try #require(Markdown.codeSpan(row[0]))
            let harness = ServiceHarness()
            harness.request(1, method, ["textDocument": ["uri": "file:///none.json"], "position": ["line": 0, "character": 0]])
            let answer = try #require(await harness.response(1), "\(method) got no answer")
            #expect(answer["error"]?["code"] != -32601, "\(method): \(answer)")
        }
        let harness = ServiceHarness()
        harness.request(1, "openframe/notAMethod", [:])
        #expect(await harness.response(1)?["error"]?["code"] == -32601)
    }

    // MARK: capabilities

    @Test func capabilityTableIsWhatInitializeAnswers() throws {
        let rows = try Self.protocolDocument().table(under: "### Capabilities")
        let client = EditorClient(service: true, initialize: false)
        let response = client.request("initialize", ["processId": nil, "capabilities": [:]])
        let capabilities = try #require(response["result"]?["capabilities"]?.objectValue)
        var answered: [String: JSONValue] = [:]
        for (key, value) in capabilities.members {
            if key == "experimental", let openframe = value["openframe"]?.objectValue, value.objectValue?.count == 1 {
                for (member, inner) in openframe.members { answered["experimental.openframe.\(member)"] = inner }
            } else {
                answered[key] = value
            }
        }
        var documented: Set<String> = []
        for row in rows {
            let path = try #require(Markdown.codeSpan(row[0]), "capability cell \(row[0])")
            documented.insert(path)
            // A value given as one JSON text is the value this server announces (to a client that offers nothing).
            if let text = Markdown.codeSpan(row[1]), let value = try? JSONParser.parse(Array(text.utf8)).root.value {
                #expect(answered[path] == value, "\(path): protocol.md says \(text)")
            }
        }
        #expect(documented == Set(answered.keys))
    }
}

/// Just enough Markdown: sections by heading, the first table in a section, code spans.
struct Markdown {
    let lines: [Substring]

    init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

    /// The body rows (cells trimmed, `\|` unescaped) of the first table after `heading` and before the next heading.
    func table(under heading: String) throws -> [[String]] {
        let start = try #require(lines.firstIndex { $0 == heading }, "protocol.md has no heading \(heading)")
        var rows: [[String]] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            if line.hasPrefix("|") {
                rows.append(Self.cells(line))
            } else if !rows.isEmpty {
                break
            }
        }
        try #require(rows.count > 2, "no table under \(heading)")
        return Array(rows.dropFirst(2))  // header and separator
    }

    static func cells(_ line: Substring) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in line.dropFirst() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
                current.append(character)
            } else if character == "|" {
                cells.append(current.replacingOccurrences(of: "\\|", with: "|").trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        return cells
    }

    /// The text of a cell that is exactly one code span, else nil.
    static func codeSpan(_ cell: String) -> String? {
        guard cell.count >= 2, cell.hasPrefix("`"), cell.hasSuffix("`") else { return nil }
        let inner = cell.dropFirst().dropLast()
        return inner.contains("`") ? nil : String(inner)
    }

    /// Numbers of the form -3NNNN that stand alone: not a range's end (`…`, `...`), not inside a longer number.
    static func quotedErrorCodes(in text: String) -> [Int] {
        let bytes = Array(text.utf8)
        var codes: [Int] = []
        var index = 0
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        func nearRange(_ i: Int, before: Bool) -> Bool {
            let window = before ? bytes[max(0, i - 4)..<max(0, i)] : bytes[min(bytes.count, i)..<min(bytes.count, i + 4)]
            let text = String(decoding: window, as: UTF8.self)
            return before
                ? (text.hasSuffix("…") || text.hasSuffix("...") || text.hasSuffix("… ") || text.hasSuffix("... "))
                : (text.hasPrefix("…") || text.hasPrefix("...") || text.hasPrefix(" …") || text.hasPrefix(" ..."))
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "-"), isDigit(index + 1), bytes[index + 1] == UInt8(ascii: "3"), !isDigit(index - 1) {
                var end = index + 1
                while isDigit(end) { end += 1 }
                if end - index == 6, !nearRange(index, before: true), !nearRange(end, before: false),
                    let value = Int(String(decoding: bytes[index..<end], as: UTF8.self))
                {
                    codes.append(value)
                }
                index = end
            } else {
                index += 1
            }
        }
        return codes
    }
}
