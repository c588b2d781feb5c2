/// A parsed JSON text: the bytes plus a flat "tape" of nodes in document order.
/// One array for the whole tree keeps parsing to a couple of allocations, and every
/// node knows its span, so validation can point at the offending bytes.
///
/// The arrays sit behind one reference so that copying a document — which every `JSONNode`
/// holds — costs one retain, not three: walking a payload copies nodes all the time.
public struct JSONDocument: Sendable {
    @usableFromInline let storage: Storage

    @usableFromInline final class Storage: Sendable {
        @usableFromInline let bytes: [UInt8]
        @usableFromInline let nodes: [Node]
        /// (object, first key, duplicate key) node indices.
        let duplicates: [(Int, Int, Int)]

        init(bytes: [UInt8], nodes: [Node], duplicates: [(Int, Int, Int)]) {
            self.bytes = bytes
            self.nodes = nodes
            self.duplicates = duplicates
        }
    }

    init(bytes: [UInt8], nodes: [Node], duplicates: [(Int, Int, Int)]) {
        storage = Storage(bytes: bytes, nodes: nodes, duplicates: duplicates)
    }

    public var bytes: [UInt8] { storage.bytes }
    @usableFromInline var nodes: [Node] { storage.nodes }

    /// Object members whose key repeats an earlier key of the same object.
    public var duplicateKeys: [JSONDuplicateKey] {
        storage.duplicates.map {
            JSONDuplicateKey(
                object: JSONNode(document: self, index: $0.0),
                first: JSONNode(document: self, index: $0.1),
                duplicate: JSONNode(document: self, index: $0.2))
        }
    }

    public var hasDuplicateKeys: Bool { !storage.duplicates.isEmpty }

    public var root: JSONNode { JSONNode(document: self, index: 0) }

    /// A tape entry. Containers are followed by their children (objects: key, value, key, value…);
    /// `next` is the index just past the subtree, so siblings are one hop apart.
    @usableFromInline struct Node: Sendable {
        @usableFromInline var start: UInt32
        @usableFromInline var end: UInt32
        @usableFromInline var next: UInt32
        @usableFromInline var count: UInt32
        @usableFromInline var kind: JSONKind
        /// Strings: the literal holds a backslash escape, so its bytes are not its value.
        @usableFromInline var escaped: Bool
    }
}

/// A repeated key: `object` is the object, `first` and `duplicate` are the two key nodes.
public struct JSONDuplicateKey: Sendable {
    public let object: JSONNode
    public let first: JSONNode
    public let duplicate: JSONNode
}
