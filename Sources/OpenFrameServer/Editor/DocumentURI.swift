import OpenFrame

#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

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
        return percentDecoded(segment) ?? segment
    }

    /// `%XX` sequences decoded, as Foundation's removingPercentEncoding: nil when a `%` is not
    /// followed by two hex digits or the result is not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "%") else { out.append(bytes[index]); index += 1; continue }
            guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else { return nil }
            out.append(high << 4 | low)
            index += 3
        }
        let decoded = String(decoding: out, as: UTF8.self)
        return decoded.utf8.elementsEqual(out) ? decoded : nil  // repaired means it was not UTF-8
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
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == ".")
        }
    }
}
