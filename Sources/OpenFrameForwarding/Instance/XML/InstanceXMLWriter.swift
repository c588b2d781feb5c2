import JSON

/// Writes a payload as a ServiceNow XML request body, with the mapping the stand-in
/// documents (Tests/StandIn/README.md, "XML mapping"):
///
/// - the root element is `<request>` and stands for the top-level object;
/// - an object member is a child element named by its key;
/// - an array is a parent whose children are all `<element>`, one per item;
/// - a string is the element's text (`&`, `<`, `>` escaped, CR as `&#13;`); numbers are
///   written as their JSON literal and booleans as `true`/`false` (both read back as strings);
/// - null, `""`, `{}` and `[]` are an empty element `<name/>`.
///
/// A key that is not an XML name (`[A-Za-z_][A-Za-z0-9_.-]*`) or a string holding a character
/// XML 1.0 cannot carry (control characters other than tab, LF, CR; U+FFFE, U+FFFF) cannot be
/// sent as XML: that is a `.configuration` error that points to the JSON wire format.
public enum InstanceXMLWriter {
    public static func requestBody(_ payload: JSONNode) throws(ForwardingError) -> [UInt8] {
        guard payload.kind == .object else {
            throw .configuration("an XML request body stands for a JSON object; this payload is \(payload.kind)")
        }
        var out: [UInt8] = Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)
        try element("request", payload, path: "", into: &out)
        return out
    }

    private static func element(_ name: String, _ node: JSONNode, path: String, into out: inout [UInt8]) throws(ForwardingError) {
        guard isXMLName(name) else {
            throw .configuration(
                "the member \"\(String(name.prefix(60)))\"\(path.isEmpty ? "" : " in \(path)") is not usable as an XML element name; send this payload with the JSON wire format"
            )
        }
        let isEmpty: Bool
        switch node.kind {
        case .null: isEmpty = true
        case .string: isEmpty = node.stringEquals("")
        case .object, .array: isEmpty = node.count == 0
        default: isEmpty = false
        }
        if isEmpty {
            out.append(UInt8(ascii: "<")); out.append(contentsOf: name.utf8); out.append(contentsOf: "/>".utf8)
            return
        }
        out.append(UInt8(ascii: "<")); out.append(contentsOf: name.utf8); out.append(UInt8(ascii: ">"))
        let here = path.isEmpty ? name : "\(path)/\(name)"
        switch node.kind {
        case .object:
            for member in node.members { try element(member.key, member.value, path: here, into: &out) }
        case .array:
            for item in node.elements { try element("element", item, path: here, into: &out) }
        case .bool, .number:
            out.append(contentsOf: node.rawBytes)
        case .string:
            try escapeText(node.stringValue ?? "", path: here, into: &out)
        case .null:
            break
        }
        out.append(contentsOf: "</".utf8); out.append(contentsOf: name.utf8); out.append(UInt8(ascii: ">"))
    }

    static func isXMLName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") }
        func rest(_ b: UInt8) -> Bool { letter(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") }
        return letter(first) && bytes.dropFirst().allSatisfy(rest)
    }

    private static func escapeText(_ text: String, path: String, into out: inout [UInt8]) throws(ForwardingError) {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            case 0x09, 0x0A: out.append(UInt8(scalar.value))
            case 0..<0x20, 0xFFFE, 0xFFFF:
                throw .configuration(
                    "the string at \(path) holds a control character that XML cannot carry; send this payload with the JSON wire format")
            default:
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
