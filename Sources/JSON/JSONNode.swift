/// A view of one value inside a `JSONDocument`. Cheap to copy; reading a string or a
/// key decodes only that literal.
public struct JSONNode: Sendable {
    public let document: JSONDocument
    @usableFromInline let index: Int

    @usableFromInline init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    @usableFromInline var node: JSONDocument.Node { document.nodes[index] }

    public var kind: JSONKind { node.kind }
    public var span: SourceSpan { SourceSpan(start: Int(node.start), end: Int(node.end)) }
    /// The literal bytes as they stand in the source.
    public var rawBytes: ArraySlice<UInt8> { document.bytes[Int(node.start)..<Int(node.end)] }
    /// Elements of an array, members of an object, 0 for scalars.
    public var count: Int { Int(node.count) }

    public var isNull: Bool { kind == .null }
    public var boolValue: Bool? { kind == .bool ? document.bytes[Int(node.start)] == UInt8(ascii: "t") : nil }

    public var stringValue: String? {
        let n = node
        guard n.kind == .string else { return nil }
        let start = Int(n.start) + 1, end = Int(n.end) - 1
        if !n.escaped {
            return document.bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
            }
        }
        return StringUnescaper.unescape(document.bytes, start, end)
    }

    public var numberValue: JSONNumber? {
        guard kind == .number else { return nil }
        return JSONNumber(validatedText: String(decoding: rawBytes, as: UTF8.self))
    }

    public var intValue: Int? { numberValue?.intValue }
    public var doubleValue: Double? { numberValue?.doubleValue }

    /// True when this string node's value is `text`, code unit for code unit, without allocating
    /// for the common case.
    public func stringEquals(_ text: String) -> Bool {
        let n = node
        guard n.kind == .string else { return false }
        // Code units, not String's == (canonical equivalence, under which "\u{212A}" == "K").
        if n.escaped { return stringValue!.utf8.elementsEqual(text.utf8) }
        let start = Int(n.start) + 1, end = Int(n.end) - 1
        var text = text
        return text.withUTF8 { utf8 in
            utf8.count == end - start
                && document.bytes.withUnsafeBufferPointer { bytes in
                    utf8.elementsEqual(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                }
        }
    }

    /// The members of an object, in source order (empty for anything else).
    public var members: Members { Members(document: document, index: index) }

    /// The elements of an array, in order (empty for anything else).
    public var elements: Elements { Elements(document: document, index: index) }

    /// The value of the last member named `key` (JSON readers conventionally let the last one win).
    public subscript(key: String) -> JSONNode? {
        guard kind == .object else { return nil }
        var found: JSONNode?
        for member in members where member.keyNode.stringEquals(key) { found = member.value }
        return found
    }

    /// An owned copy of this value.
    public var value: JSONValue {
        switch kind {
        case .null: return .null
        case .bool: return .bool(boolValue!)
        case .number: return .number(numberValue!)
        case .string: return .string(stringValue!)
        case .array: return .array(elements.map(\.value))
        case .object: return .object(JSONObject(members.map { (key: $0.key, value: $0.value.value) }))
        }
    }

    public struct Member: Sendable {
        public let keyNode: JSONNode
        public let value: JSONNode
        public var key: String { keyNode.stringValue! }
    }

    public struct Members: Sequence, Sendable {
        let document: JSONDocument
        let index: Int

        public struct Iterator: IteratorProtocol {
            let document: JSONDocument
            var cursor: Int
            var remaining: Int

            public mutating func next() -> Member? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let key = cursor
                let value = key + 1
                cursor = Int(document.nodes[value].next)
                return Member(keyNode: JSONNode(document: document, index: key), value: JSONNode(document: document, index: value))
            }
        }

        public func makeIterator() -> Iterator {
            let node = document.nodes[index]
            return Iterator(document: document, cursor: index + 1, remaining: node.kind == .object ? Int(node.count) : 0)
        }

        public var underestimatedCount: Int { 0 }
    }

    public struct Elements: Sequence, Sendable {
        let document: JSONDocument
        let index: Int

        public struct Iterator: IteratorProtocol {
            let document: JSONDocument
            var cursor: Int
            var remaining: Int

            public mutating func next() -> JSONNode? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let element = cursor
                cursor = Int(document.nodes[element].next)
                return JSONNode(document: document, index: element)
            }
        }

        public func makeIterator() -> Iterator {
            let node = document.nodes[index]
            return Iterator(document: document, cursor: index + 1, remaining: node.kind == .array ? Int(node.count) : 0)
        }
    }
}
