/// A parsed JSON text: the bytes plus a flat "tape" of nodes in document order.
/// One array for the whole tree keeps parsing to a couple of allocations, and every
/// node knows its span, so validation can point at the offending bytes.
public struct JSONDocument: Sendable {
    public let bytes: [UInt8]
    @usableFromInline let nodes: [Node]
    /// Object members whose key repeats an earlier key of the same object.
    public let duplicateKeys: [JSONDuplicateKey]

    init(bytes: [UInt8], nodes: [Node], duplicateKeys: [JSONDuplicateKey]) {
        self.bytes = bytes
        self.nodes = nodes
        self.duplicateKeys = duplicateKeys
    }

    public var root: JSONNode { JSONNode(document: self, index: 0) }

    /// A tape entry. Containers are followed by their children (objects: key, value, key, value…);
    /// `next` is the index just past the subtree, so siblings are one hop apart.
    @usableFromInline struct Node: Sendable {
        var start: UInt32
        var end: UInt32
        var next: UInt32
        var count: UInt32
        var kind: JSONKind
        /// Strings: the literal holds a backslash escape, so its bytes are not its value.
        var escaped: Bool
    }
}

/// A repeated key: `object` is the object, `first` and `duplicate` are the two key nodes.
public struct JSONDuplicateKey: Sendable {
    public let object: JSONNode
    public let first: JSONNode
    public let duplicate: JSONNode
}
