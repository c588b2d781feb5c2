import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JSON

/// A small element tree read from an XML answer: names, child elements, text.
/// No attributes, namespaces or entities beyond the predefined five are needed for ServiceNow answers.
struct XMLElementTree: Sendable, Equatable {
    var name: String
    var children: [XMLElementTree]
    var text: String

    func child(_ name: String) -> XMLElementTree? { children.first { $0.name == name } }

    /// The stand-in's mapping read backwards: an element with children is an object (or an
    /// array when all children are `<element>`), an element without is its text as a string.
    var jsonValue: JSONValue {
        if children.isEmpty { return .string(text) }
        if children.allSatisfy({ $0.name == "element" }) { return .array(children.map(\.jsonValue)) }
        return .object(JSONObject(children.map { (key: $0.name, value: $0.jsonValue) }))
    }

    /// `<result>` read as an object (an empty `<result/>` is an empty object).
    var jsonObject: JSONObject {
        if case .object(let object) = jsonValue { return object }
        return JSONObject()
    }
}

enum InstanceXMLReader {
    static let maxDepth = 64

    /// Nil when the bytes are not well-formed XML, declare a DOCTYPE or ENTITY (never
    /// expanded: refused outright), or nest deeper than `maxDepth`.
    ///
    /// Only UTF-8 is read (ServiceNow answers in UTF-8): bytes that are not valid UTF-8, or
    /// an XML declaration naming another encoding, are refused before XMLParser sees them.
    /// FoundationXML traps (a crash, not an error) on an element name that is not valid
    /// UTF-8, e.g. `<r><a\u{EE}/></r>` (seen with swift 6.3), so this check is what keeps a
    /// garbage answer from taking the process down.
    ///
    /// A processing instruction without data (`<?pi?>`, `<?xml-stylesheet?>`) is refused too:
    /// FoundationXML passes libxml2's NULL data to `strlen` and crashes (swift 6.3; found by
    /// fuzz-instance-response).
    static func parse(_ bytes: [UInt8]) -> XMLElementTree? {
        guard !bytes.isEmpty, isUTF8(bytes), !declaresOtherEncoding(bytes), !declaresDoctype(bytes),
              !hasProcessingInstructionWithoutData(bytes) else { return nil }
        let delegate = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = delegate
        guard parser.parse(), !delegate.failed, let root = delegate.root else { return nil }
        return root
    }

    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar) where scalar.value == 0: return false
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// `<?xml … encoding="X"?>` with X other than UTF-8.
    private static func declaresOtherEncoding(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(200), as: UTF8.self).lowercased()
        guard let start = head.range(of: "<?xml"), let end = head.range(of: "?>", range: start.upperBound..<head.endIndex) else { return false }
        let declaration = head[start.upperBound..<end.lowerBound]
        guard let encoding = declaration.range(of: "encoding") else { return false }
        let value = declaration[encoding.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
            .prefix { $0 != "\"" && $0 != "'" && $0 != " " }
        return value != "utf-8" && value != "utf8"
    }

    /// `<?` then bytes other than XML blanks up to `?>`: the only form in which libxml2 reports a
    /// processing instruction with NULL data (with no blank after the target, any other byte is a
    /// fatal error, after which it reports nothing). Also true inside comments and CDATA, which
    /// merely refuses a few more answers that ServiceNow never sends.
    static func hasProcessingInstructionWithoutData(_ bytes: [UInt8]) -> Bool {
        let lessThan = UInt8(ascii: "<"), question = UInt8(ascii: "?"), greaterThan = UInt8(ascii: ">")
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == lessThan, bytes[index + 1] == question else {
                index += 1
                continue
            }
            var end = index + 2
            while end < bytes.count, !(bytes[end] == 0x20 || bytes[end] == 0x09 || bytes[end] == 0x0A || bytes[end] == 0x0D) {
                if bytes[end] == question, end + 1 < bytes.count, bytes[end + 1] == greaterThan { return true }
                end += 1
            }
            // Any `<?` inside [index + 2, end) runs to the same blank, so it cannot end in `?>` either.
            index = end
        }
        return false
    }

    private static func declaresDoctype(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self).uppercased()
        return text.contains("<!DOCTYPE") || text.contains("<!ENTITY")
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLElementTree?
    var failed = false
    private var stack: [XMLElementTree] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        guard stack.count < InstanceXMLReader.maxDepth else {
            failed = true
            parser.abortParsing()
            return
        }
        stack.append(XMLElementTree(name: elementName, children: [], text: ""))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard var finished = stack.popLast() else { failed = true; return }
        if !finished.children.isEmpty { finished.text = "" }  // whitespace between elements
        if stack.isEmpty {
            root = finished
        } else {
            stack[stack.count - 1].children.append(finished)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        failed = true
    }
}
