import JSON
import JSONRPC

/// Readers for the LSP structures in textDocument params. Each failure is a -32602 error that names
/// the member; notification handlers log the same message instead, since notifications are never answered.
struct LSPParams {
    let node: JSONNode?
    let method: String

    init(_ node: JSONNode?, method: String) {
        self.node = node
        self.method = method
    }

    func object() throws(ResponseError) -> JSONNode {
        guard let node, node.kind == .object else {
            throw .invalidParams("\(method): params must be an object; found \(node.map { $0.kind.description } ?? "nothing")")
        }
        return node
    }

    /// `params.textDocument.uri`.
    func uri() throws(ResponseError) -> String {
        guard let document = try object()["textDocument"], document.kind == .object else {
            throw .invalidParams("\(method): missing params.textDocument; expected an object with a uri")
        }
        guard let uri = document["uri"]?.stringValue else {
            throw .invalidParams("\(method): params.textDocument.uri must be a string (the document's URI)")
        }
        return uri
    }

    /// `params.textDocument.version`, when present.
    func version() throws(ResponseError) -> Int? {
        guard let node = try object()["textDocument"]?["version"], !node.isNull else { return nil }
        guard let version = node.intValue else {
            throw .invalidParams("\(method): params.textDocument.version must be an integer; found \(node.kind)")
        }
        return version
    }

    /// `params.position`.
    func position() throws(ResponseError) -> TextPosition {
        try Self.position(try object()["position"], at: "params.position", method: method)
    }

    /// `params.range`.
    func range() throws(ResponseError) -> (start: TextPosition, end: TextPosition) {
        try Self.range(try object()["range"], at: "params.range", method: method)
    }

    /// An LSP Position `{line, character}` of non-negative integers. Values past the text's end are
    /// fine (callers clamp them); negative or non-integer ones are not positions at all.
    static func position(_ node: JSONNode?, at place: String, method: String) throws(ResponseError) -> TextPosition {
        guard let node, node.kind == .object else {
            throw .invalidParams(
                "\(method): \(place) must be a position object {\"line\", \"character\"}; found \(node.map { $0.kind.description } ?? "nothing")"
            )
        }
        guard let line = node["line"]?.intValue, line >= 0 else {
            throw .invalidParams("\(method): \(place).line must be a non-negative integer")
        }
        guard let character = node["character"]?.intValue, character >= 0 else {
            throw .invalidParams("\(method): \(place).character must be a non-negative integer")
        }
        return TextPosition(line: line, character: character)
    }

    /// An LSP Range `{start, end}` whose start does not come after its end.
    static func range(_ node: JSONNode?, at place: String, method: String) throws(ResponseError) -> (start: TextPosition, end: TextPosition)
    {
        guard let node, node.kind == .object else {
            throw .invalidParams(
                "\(method): \(place) must be a range object {\"start\", \"end\"}; found \(node.map { $0.kind.description } ?? "nothing")")
        }
        let start = try position(node["start"], at: "\(place).start", method: method)
        let end = try position(node["end"], at: "\(place).end", method: method)
        guard (start.line, start.character) <= (end.line, end.character) else {
            throw .invalidParams(
                "\(method): \(place) ends (\(end.line):\(end.character)) before it starts (\(start.line):\(start.character))")
        }
        return (start, end)
    }

    /// A text member as UTF-8 bytes.
    static func text(_ node: JSONNode?, at place: String, method: String) throws(ResponseError) -> [UInt8] {
        guard let text = node?.stringValue else {
            throw .invalidParams("\(method): \(place) must be a string; found \(node.map { $0.kind.description } ?? "nothing")")
        }
        return Array(text.utf8)
    }
}

extension ResponseError {
    /// For a request about a document the client never opened (or already closed).
    static func documentNotOpen(_ method: String, _ uri: String) -> ResponseError {
        .invalidParams("\(method): the document \(uri) is not open; send textDocument/didOpen first")
    }
}
