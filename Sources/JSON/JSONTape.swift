/// A non-owning, index-based view of a document's tape for hot walks (the validator runs on
/// every request): reading a node is a load, with none of the retains and releases that
/// copying `JSONNode`s (each holding the document) costs. Valid only inside
/// `JSONDocument.withTape`; indices are the nodes' `tapeIndex`.
public struct JSONTape {
    /// The text every span refers to.
    public let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline let nodes: UnsafeBufferPointer<JSONDocument.Node>

    @inlinable init(bytes: UnsafeBufferPointer<UInt8>, nodes: UnsafeBufferPointer<JSONDocument.Node>) {
        self.bytes = bytes
        self.nodes = nodes
    }

    @inlinable @inline(__always) public func kind(_ index: Int) -> JSONKind { nodes[index].kind }
    @inlinable @inline(__always) public func span(_ index: Int) -> SourceSpan {
        let node = nodes[index]
        return SourceSpan(start: Int(node.start), end: Int(node.end))
    }
    /// Elements of an array, members of an object, 0 for scalars.
    @inlinable @inline(__always) public func count(_ index: Int) -> Int { Int(nodes[index].count) }
    /// The index just past the subtree at `index`: its next sibling, if it has one.
    @inlinable @inline(__always) public func next(_ index: Int) -> Int { Int(nodes[index].next) }
    /// The first element, or the first member's key (its value is at key + 1); valid when count > 0.
    @inlinable @inline(__always) public func firstChild(_ index: Int) -> Int { index + 1 }
    /// A string literal holds a backslash escape, so its bytes are not its value.
    @inlinable @inline(__always) public func isEscaped(_ index: Int) -> Bool { nodes[index].escaped }

    /// The bytes between a string's quotes, as they stand in the source.
    @inlinable @inline(__always) public func literalContent(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let node = nodes[index]
        return UnsafeBufferPointer(rebasing: bytes[(Int(node.start) + 1)..<(Int(node.end) - 1)])
    }
}

extension JSONDocument {
    /// Runs `body` with the tape view; the view must not escape it.
    @inlinable public func withTape<R>(_ body: (JSONTape) throws -> R) rethrows -> R {
        try storage.bytes.withUnsafeBufferPointer { bytes in
            try storage.nodes.withUnsafeBufferPointer { nodes in
                try body(JSONTape(bytes: bytes, nodes: nodes))
            }
        }
    }

    /// The node at a tape index (from `JSONTape` or `JSONNode.tapeIndex`).
    @inlinable public func node(at index: Int) -> JSONNode { JSONNode(document: self, index: index) }
}

extension JSONNode {
    /// This node's index in its document's tape.
    @inlinable public var tapeIndex: Int { index }
}
