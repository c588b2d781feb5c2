import Foundation
import OpenFrame

/// The few things the server reads from a document's URI. Any scheme works (`file:`, `untitled:`,
/// an editor's virtual schemes): the URI is the document's identity, never opened as a file.
enum DocumentURI {
    /// The last path segment, percent-decoded: `file:///p/a%20b.update.json` → `a b.update.json`,
    /// `untitled:Untitled-1` → `Untitled-1`. Query and fragment are not part of it.
    static func lastPathComponent(_ uri: String) -> String {
        var rest = Substring(uri)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        if let colon = rest.firstIndex(of: ":"), isScheme(rest[..<colon]) { rest = rest[rest.index(after: colon)...] }
        let segment = rest.split(separator: "/").last.map(String.init) ?? ""
        return segment.removingPercentEncoding ?? segment
    }

    /// Which operation a document is validated as: the one documented rule, `Operation(documentName:)`,
    /// applied to the URI's last path segment (`*.update.json` is an update, anything else a create).
    static func operation(of uri: String) -> OpenFrame.Operation {
        Operation(documentName: lastPathComponent(uri))
    }

    /// RFC 3986: a letter, then letters, digits, `+`, `-` and `.`.
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." )
        }
    }
}
