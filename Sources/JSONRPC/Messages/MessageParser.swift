import JSON

/// Turns one frame's bytes into messages, applying JSON-RPC 2.0's envelope rules.
public enum MessageParser {
    /// One member of a frame: a message to dispatch, or an error to answer with the given id.
    public enum Item: Sendable {
        case message(Message)
        case invalid(id: RequestID, error: ResponseError)
    }

    public enum Frame: Sendable {
        case single(Item)
        /// A non-empty batch; its answers go back together as one array.
        case batch([Item])
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) -> Frame {
        let document: JSONDocument
        do {
            document = try JSONParser.parse(bytes, options: .init(maxDepth: maxDepth, detectDuplicateKeys: false))
        } catch {
            let line = LineIndex(bytes).lineColumn(of: error.offset)
            let place = bytes.count > 0 && line.line > 1 ? "line \(line.line), column \(line.column)" : "byte \(error.offset)"
            return .single(.invalid(id: .null, error: .parseError("parse error: \(error.reason) (at \(place) of the message)")))
        }
        let root = document.root
        switch root.kind {
        case .object:
            return .single(item(root, frameBytes: bytes.count))
        case .array:
            guard root.count > 0 else {
                return .single(
                    .invalid(
                        id: .null, error: .invalidRequest("invalid request: an empty batch array; expected at least one request object")))
            }
            return .batch(root.elements.map { item($0, frameBytes: bytes.count / root.count) })
        default:
            return .single(
                .invalid(
                    id: .null, error: .invalidRequest("invalid request: expected a request object or a batch array; found \(root.kind)")))
        }
    }

    static func item(_ node: JSONNode, frameBytes: Int) -> Item {
        guard node.kind == .object else {
            return .invalid(
                id: .null, error: .invalidRequest("invalid request: a batch member must be a request object; found \(node.kind)"))
        }
        var version: JSONNode?, idNode: JSONNode?, method: JSONNode?, params: JSONNode?
        var hasResult = false, hasError = false
        for member in node.members {
            let key = member.keyNode
            if key.stringEquals("jsonrpc") {
                version = member.value
            } else if key.stringEquals("id") {
                idNode = member.value
            } else if key.stringEquals("method") {
                method = member.value
            } else if key.stringEquals("params") {
                params = member.value
            } else if key.stringEquals("result") {
                hasResult = true
            } else if key.stringEquals("error") {
                hasError = true
            }
        }
        var id: RequestID? = nil
        if let idNode {
            guard let valid = RequestID(idNode) else {
                return .invalid(
                    id: .null, error: .invalidRequest("invalid request: \"id\" must be a string, a number or null; found \(idNode.kind)"))
            }
            id = valid
        }
        let answerID = id ?? .null
        guard let version, version.stringEquals("2.0") else {
            let found = version.map { String(decoding: $0.rawBytes, as: UTF8.self) } ?? "nothing"
            return .invalid(id: answerID, error: .invalidRequest("invalid request: \"jsonrpc\" must be \"2.0\"; found \(found)"))
        }
        guard let method else {
            if hasResult || hasError, let id { return .message(.response(id: id)) }
            return .invalid(id: answerID, error: .invalidRequest("invalid request: missing \"method\""))
        }
        guard let name = method.stringValue else {
            return .invalid(id: answerID, error: .invalidRequest("invalid request: \"method\" must be a string; found \(method.kind)"))
        }
        if let params, params.kind != .object, params.kind != .array {
            return .invalid(
                id: answerID, error: .invalidRequest("invalid request: \"params\" must be an object or an array; found \(params.kind)"))
        }
        if let id {
            return .message(.request(Request(id: id, method: name, params: params, frameBytes: frameBytes)))
        }
        return .message(.notification(Notification(method: name, params: params)))
    }
}
