/// An RFC 6901 JSON Pointer, built up as validation walks a payload.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public private(set) var tokens: [String]

    public init(_ tokens: [String] = []) { self.tokens = tokens }

    /// Parses the `/a/b~1c` form; nil when it does not start with `/` (the empty string is the root).
    /// Works on UTF-8 bytes: a pointer is a sequence of code points (RFC 6901), while String's
    /// Character view glues a combining mark onto the `/` or `~` before it.
    public init?(parsing text: String) {
        let utf8 = Array(text.utf8)
        if utf8.isEmpty { tokens = []; return }
        guard utf8[0] == UInt8(ascii: "/") else { return nil }
        tokens = utf8[1...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Self.unescape)
    }

    /// `~1` is `/` and `~0` is `~`, in one left-to-right pass (RFC 6901's order: `~01` is `~1`).
    private static func unescape(_ token: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(token.count)
        var i = token.startIndex
        while i < token.endIndex {
            if token[i] == UInt8(ascii: "~"), i + 1 < token.endIndex,
                token[i + 1] == UInt8(ascii: "0") || token[i + 1] == UInt8(ascii: "1")
            {
                out.append(token[i + 1] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                i += 2
            } else {
                out.append(token[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init(stringLiteral value: String) { self = JSONPointer(parsing: value) ?? JSONPointer() }

    public func appending(_ key: String) -> JSONPointer { JSONPointer(tokens + [key]) }
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(tokens + [String(index)]) }
    public static func / (lhs: JSONPointer, rhs: String) -> JSONPointer { lhs.appending(rhs) }
    public static func / (lhs: JSONPointer, rhs: Int) -> JSONPointer { lhs.appending(rhs) }

    /// Escapes byte-wise, for the same reason as `init?(parsing:)`.
    public var description: String {
        String(decoding: utf8, as: UTF8.self)
    }

    /// `description` as a JSON string literal, written without building the String.
    public func writeJSONString(into out: inout [UInt8]) {
        if tokens.isEmpty {
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\"")])
            return
        }
        utf8.withUnsafeBufferPointer { JSONWriter.writeString(utf8: $0, into: &out) }
    }

    private var utf8: [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(tokens.reduce(0) { $0 + $1.utf8.count + 1 } + 4)
        for token in tokens {
            text.append(UInt8(ascii: "/"))
            if !token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                text.append(contentsOf: token.utf8)
                continue
            }
            for byte in token.utf8 {
                switch byte {
                case UInt8(ascii: "~"): text += [UInt8(ascii: "~"), UInt8(ascii: "0")]
                case UInt8(ascii: "/"): text += [UInt8(ascii: "~"), UInt8(ascii: "1")]
                default: text.append(byte)
                }
            }
        }
        return text
    }
}

extension JSONNode {
    /// The node a pointer names, if it exists.
    public func resolve(_ pointer: JSONPointer) -> JSONNode? {
        var node = self
        for token in pointer.tokens {
            switch node.kind {
            case .object:
                guard let next = node[token] else { return nil }
                node = next
            case .array:
                guard let index = Int(token), index >= 0, index < node.count else { return nil }
                node = node.elements.dropFirst(index).first(where: { _ in true })!
            default:
                return nil
            }
        }
        return node
    }
}
