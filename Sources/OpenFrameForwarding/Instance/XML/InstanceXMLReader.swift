/// Reads an instance's XML answer into an element tree (see `XMLReader` for the subset read and
/// what is refused). Public for the fuzz targets.
public enum InstanceXMLReader {
    public static let maxDepth = 64

    /// The tree, or an error saying what is wrong and where.
    public static func read(_ bytes: [UInt8]) throws(XMLReadError) -> XMLElementTree {
        try XMLReader.read(bytes, maxDepth: maxDepth)
    }

    /// The tree, or nil when the bytes are not a well-formed document of the subset read.
    public static func parse(_ bytes: [UInt8]) -> XMLElementTree? {
        try? read(bytes)
    }
}
