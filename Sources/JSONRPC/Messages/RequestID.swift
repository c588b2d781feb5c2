import JSON

/// A request id, kept exactly as the client wrote it: `"1"` stays a string and `1.0` stays `1.0`,
/// because a client matches answers by id and a changed type is a lost answer.
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case number(JSONNumber)
    case string(String)
    /// JSON-RPC 2.0 allows an explicit null id; it is answered with null.
    case null

    public var json: JSONValue {
        switch self {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .null: .null
        }
    }

    /// Nil for kinds JSON-RPC does not allow as an id (objects, arrays, booleans).
    public init?(_ node: JSONNode) {
        switch node.kind {
        case .number: self = .number(node.numberValue!)
        case .string: self = .string(node.stringValue!)
        case .null: self = .null
        default: return nil
        }
    }

    public init?(_ value: JSONValue) {
        switch value {
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .null: self = .null
        default: return nil
        }
    }

    public var description: String { json.jsonString }
}
