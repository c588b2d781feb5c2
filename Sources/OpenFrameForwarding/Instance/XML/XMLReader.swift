/// A non-validating reader for the XML subset ServiceNow answers in, written here so that
/// reading an instance's answer needs no libxml2 (FoundationXML) in the process.
///
/// Reads: an optional UTF-8 byte-order mark and XML declaration (version 1.x; encoding, if
/// named, UTF-8), elements with attributes (checked, dropped), text, CDATA, comments,
/// processing instructions, the five predefined entities and character references; line ends
/// normalized to LF as XML requires. Refuses, with an `XMLReadError` saying what and where:
/// a DOCTYPE or any other `<!` declaration (so no entity is ever defined or expanded), another
/// encoding, bytes that are not UTF-8 or not XML characters, nesting deeper than `maxDepth`,
/// and anything not well-formed. Not checked: unique attribute names (attributes are dropped).
///
/// One forward pass with an explicit stack of open elements: time linear in the input, no
/// recursion, memory bounded by the input (text is kept only for elements without children).
struct XMLReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var index = 0
    private var stack: [Open] = []

    private struct Open {
        var name: String
        var start: Int
        var children: [XMLElementTree] = []
        var text: [UInt8] = []
    }

    static func read(_ input: [UInt8], maxDepth: Int) throws(XMLReadError) -> XMLElementTree {
        let result: Result<XMLElementTree, XMLReadError> = input.withUnsafeBufferPointer { buffer in
            var reader = XMLReader(bytes: buffer, maxDepth: maxDepth)
            do throws(XMLReadError) { return .success(try reader.document()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    // MARK: document

    private mutating func document() throws(XMLReadError) -> XMLElementTree {
        guard !bytes.isEmpty else { throw fail(.empty, "an empty body, expected an XML document") }
        if let bad = XMLCharacters.firstInvalid(bytes) { throw XMLReadError(bad.kind, at: bad.offset, in: bytes, bad.what) }
        if starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        if starts(with: Array("<?xml".utf8)), index + 5 < bytes.count, XMLCharacters.isSpace(bytes[index + 5]) {
            try declaration()
        }
        try misc(before: true)
        guard index < bytes.count else { throw fail(.unexpectedEnd, "no root element") }
        guard bytes[index] == UInt8(ascii: "<") else { throw fail(.malformed, "\(shown(at: index)) before the root element, expected '<'") }
        try content()
        try misc(before: false)
        guard index == bytes.count else { throw fail(.malformed, "\(shown(at: index)) after the root element; a document has one root") }
        guard let root = finished else { throw fail(.unexpectedEnd, "no root element") }
        return root
    }

    private var finished: XMLElementTree?

    /// Comments, processing instructions and blanks, before or after the root element.
    private mutating func misc(before: Bool) throws(XMLReadError) {
        while index < bytes.count {
            let byte = bytes[index]
            if XMLCharacters.isSpace(byte) { index += 1; continue }
            guard byte == UInt8(ascii: "<"), index + 1 < bytes.count else { return }
            switch bytes[index + 1] {
            case UInt8(ascii: "!"):
                if starts(with: Array("<!--".utf8)) { try comment(); continue }
                throw declarationRefused(before: before)
            case UInt8(ascii: "?"): try processingInstruction()
            default: return
            }
        }
    }

    /// `<?xml version="1.x" encoding="UTF-8" standalone="yes"?>`; the cursor is at `<?xml`.
    private mutating func declaration() throws(XMLReadError) {
        index += 5
        var seen: [String] = []
        while true {
            let hadSpace = skipSpace()
            if starts(with: Array("?>".utf8)) { index += 2; break }
            guard index < bytes.count else { throw fail(.unexpectedEnd, "the XML declaration is not closed with '?>'") }
            guard hadSpace else { throw fail(.malformed, "\(shown(at: index)) in the XML declaration, expected a blank or '?>'") }
            let at = index
            let name = try self.name()
            try equals()
            let value = try quoted(references: false)
            let text = String(decoding: bytes[value], as: UTF8.self)
            let order = ["version", "encoding", "standalone"]
            guard let position = order.firstIndex(of: name), seen.allSatisfy({ order.firstIndex(of: $0)! < position }),
                name == "version" || seen.contains("version")
            else {
                throw XMLReadError(
                    .malformed, at: at, in: bytes,
                    "'\(name)' in the XML declaration, expected version, then optionally encoding and standalone")
            }
            seen.append(name)
            switch name {
            case "version":
                guard text.hasPrefix("1."), text.count > 2, text.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw XMLReadError(.malformed, at: value.lowerBound, in: bytes, "XML version \"\(text.prefix(20))\", expected 1.x")
                }
            case "encoding":
                let lower = text.lowercased()
                guard lower == "utf-8" || lower == "utf8" else {
                    throw XMLReadError(
                        .otherEncoding, at: value.lowerBound, in: bytes,
                        "the declaration names encoding \"\(text.prefix(40))\"; only UTF-8 is read")
                }
            default:
                guard text == "yes" || text == "no" else {
                    throw XMLReadError(.malformed, at: value.lowerBound, in: bytes, "standalone \"\(text.prefix(20))\", expected yes or no")
                }
            }
        }
        guard seen.contains("version") else { throw fail(.malformed, "the XML declaration has no version") }
    }

    // MARK: elements

    /// The root element and everything in it, without recursion; the root is left in `finished`.
    private mutating func content() throws(XMLReadError) {
        try startTag()
        while !stack.isEmpty {
            guard index < bytes.count else {
                let open = stack[stack.count - 1]
                throw fail(
                    .unexpectedEnd, "the document ends inside <\(open.name)> (opened at byte \(open.start)), expected </\(open.name)>")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                guard index + 1 < bytes.count else { throw fail(.unexpectedEnd, "the document ends after '<'") }
                switch bytes[index + 1] {
                case UInt8(ascii: "/"): try endTag()
                case UInt8(ascii: "?"): try processingInstruction()
                case UInt8(ascii: "!"):
                    if starts(with: Array("<!--".utf8)) {
                        try comment()
                    } else if starts(with: Array("<![CDATA[".utf8)) {
                        try cdata()
                    } else {
                        throw fail(
                            .doctypeRefused, "a markup declaration ('<!') inside an element; only comments and CDATA may start with '<!'")
                    }
                default: try startTag()
                }
            } else if byte == UInt8(ascii: "&") {
                try reference(into: true)
            } else {
                try text()
            }
        }
    }

    private mutating func startTag() throws(XMLReadError) {
        let start = index
        index += 1  // <
        guard stack.count < maxDepth else {
            throw XMLReadError(.tooDeep, at: start, in: bytes, "elements nested deeper than \(maxDepth)")
        }
        let name = try self.name()
        while true {
            let hadSpace = skipSpace()
            guard index < bytes.count else { throw fail(.unexpectedEnd, "the document ends inside the start tag of <\(name)>") }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                stack.append(Open(name: name, start: start))
                return
            }
            if bytes[index] == UInt8(ascii: "/") {
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else {
                    throw fail(.malformed, "'/' in the start tag of <\(name)>, expected '/>'")
                }
                index += 2
                close(XMLElementTree(name: name))
                return
            }
            guard hadSpace else {
                throw fail(.malformed, "\(shown(at: index)) in the start tag of <\(name)>, expected a blank, '>' or '/>'")
            }
            _ = try self.name()
            try equals()
            _ = try quoted(references: true)
        }
    }

    private mutating func endTag() throws(XMLReadError) {
        let start = index
        index += 2  // </
        let name = try self.name()
        _ = skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
            throw fail(index < bytes.count ? .malformed : .unexpectedEnd, "\(shown(at: index)) in the end tag </\(name)>, expected '>'")
        }
        index += 1
        let open = stack.removeLast()
        guard open.name == name else {
            throw XMLReadError(.mismatchedTag, at: start, in: bytes, "</\(name)> closes <\(open.name)> (opened at byte \(open.start))")
        }
        close(
            XMLElementTree(
                name: name, children: open.children,
                text: open.children.isEmpty ? String(decoding: open.text, as: UTF8.self) : ""))
    }

    private mutating func close(_ element: XMLElementTree) {
        if stack.isEmpty {
            finished = element
        } else {
            stack[stack.count - 1].children.append(element)
            stack[stack.count - 1].text = []  // layout between children; no longer kept
        }
    }

    // MARK: character data

    private mutating func appendText(_ slice: Slice<UnsafeBufferPointer<UInt8>>) {
        guard let top = stack.indices.last, stack[top].children.isEmpty else { return }
        guard slice.contains(0x0D) else {
            stack[top].text.append(contentsOf: slice)
            return
        }
        // Line ends: CR LF and lone CR become LF (a CR written as &#13; stays, as the writer intends).
        var previousCR = false
        for byte in slice {
            if byte == 0x0D {
                stack[top].text.append(0x0A)
                previousCR = true
                continue
            }
            if !(byte == 0x0A && previousCR) { stack[top].text.append(byte) }
            previousCR = false
        }
    }

    private mutating func text() throws(XMLReadError) {
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "<"), bytes[index] != UInt8(ascii: "&") {
            if bytes[index] == UInt8(ascii: ">"), index >= start + 2,
                bytes[index - 1] == UInt8(ascii: "]"), bytes[index - 2] == UInt8(ascii: "]")
            {
                throw XMLReadError(.malformed, at: index - 2, in: bytes, "']]>' in text, outside a CDATA section")
            }
            index += 1
        }
        appendText(bytes[start..<index])
    }

    private mutating func cdata() throws(XMLReadError) {
        let open = index
        index += 9  // <![CDATA[
        guard let end = find(Array("]]>".utf8)) else {
            throw XMLReadError(.unexpectedEnd, at: open, in: bytes, "a CDATA section that is never closed with ']]>'")
        }
        appendText(bytes[index..<end])
        index = end + 3
    }

    /// `&name;` (the five predefined entities only) or `&#N;` / `&#xH;`, decoded into the text
    /// (or only checked, in an attribute value).
    private mutating func reference(into keep: Bool) throws(XMLReadError) {
        let start = index
        index += 1
        var scalar: UInt32 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "#") {
            index += 1
            let hex = index < bytes.count && bytes[index] == UInt8(ascii: "x")
            if hex { index += 1 }
            let digitsStart = index
            while index < bytes.count, let digit = digitValue(bytes[index], hex: hex) {
                scalar = scalar &* (hex ? 16 : 10) &+ digit
                if scalar > 0x10FFFF { scalar = 0x110000 }  // stays out of range whatever follows
                index += 1
            }
            guard index > digitsStart, index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
                throw XMLReadError(.malformed, at: start, in: bytes, "a character reference, expected &#DIGITS; or &#xHEX;")
            }
            index += 1
            guard XMLCharacters.isChar(scalar), let value = Unicode.Scalar(scalar) else {
                throw XMLReadError(.forbiddenCharacter, at: start, in: bytes, "a character reference to a character XML does not allow")
            }
            if keep { appendScalar(value) }
            return
        }
        let nameStart = index
        while index < bytes.count, index - nameStart < 8, bytes[index] != UInt8(ascii: ";") { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
            throw XMLReadError(.malformed, at: start, in: bytes, "'&' that does not start a reference; write &amp;")
        }
        index += 1
        let replacement: UInt8
        switch name {
        case "lt": replacement = UInt8(ascii: "<")
        case "gt": replacement = UInt8(ascii: ">")
        case "amp": replacement = UInt8(ascii: "&")
        case "apos": replacement = UInt8(ascii: "'")
        case "quot": replacement = UInt8(ascii: "\"")
        default:
            throw XMLReadError(
                .undefinedEntity, at: start, in: bytes,
                "the entity &\(name); is not one of the five XML defines (lt gt amp apos quot); no others are read")
        }
        if keep, let top = stack.indices.last, stack[top].children.isEmpty { stack[top].text.append(replacement) }
    }

    private mutating func appendScalar(_ scalar: Unicode.Scalar) {
        guard let top = stack.indices.last, stack[top].children.isEmpty else { return }
        stack[top].text.append(contentsOf: String(Character(scalar)).utf8)
    }

    private func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    // MARK: comments, processing instructions

    private mutating func comment() throws(XMLReadError) {
        let open = index
        index += 4  // <!--
        guard let dashes = find(Array("--".utf8)) else {
            throw XMLReadError(.unexpectedEnd, at: open, in: bytes, "a comment that is never closed with '-->'")
        }
        guard dashes + 2 < bytes.count, bytes[dashes + 2] == UInt8(ascii: ">") else {
            throw XMLReadError(.malformed, at: dashes, in: bytes, "'--' inside a comment (a comment ends with '-->')")
        }
        index = dashes + 3
    }

    private mutating func processingInstruction() throws(XMLReadError) {
        let open = index
        index += 2  // <?
        let target = try name()
        if target.lowercased() == "xml" {
            throw XMLReadError(.malformed, at: open, in: bytes, "an XML declaration that is not at the very start of the body")
        }
        if starts(with: Array("?>".utf8)) { index += 2; return }
        guard index < bytes.count, XMLCharacters.isSpace(bytes[index]) else {
            throw fail(
                index < bytes.count ? .malformed : .unexpectedEnd,
                "\(shown(at: index)) after the processing instruction's target, expected a blank or '?>'")
        }
        guard let end = find(Array("?>".utf8)) else {
            throw XMLReadError(.unexpectedEnd, at: open, in: bytes, "a processing instruction that is never closed with '?>'")
        }
        index = end + 2
    }

    // MARK: lexical pieces

    private mutating func name() throws(XMLReadError) -> String {
        let start = index
        while index < bytes.count {
            let (scalar, length) = XMLCharacters.decode(bytes, at: index) ?? (0, 1)  // already validated
            guard index == start ? XMLCharacters.isNameStart(scalar) : XMLCharacters.isName(scalar) else { break }
            index += length
        }
        guard index > start else {
            throw fail(index < bytes.count ? .malformed : .unexpectedEnd, "\(shown(at: index)) where a name was expected")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func equals() throws(XMLReadError) {
        _ = skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
            throw fail(.malformed, "\(shown(at: index)) after an attribute name, expected '='")
        }
        index += 1
        _ = skipSpace()
    }

    /// A quoted value; returns the range between the quotes.
    private mutating func quoted(references: Bool) throws(XMLReadError) -> Range<Int> {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail(.malformed, "\(shown(at: index)) where a quoted value was expected")
        }
        let quote = bytes[index]
        let open = index
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != quote {
            if bytes[index] == UInt8(ascii: "<") { throw fail(.malformed, "'<' inside a quoted value (write &lt;)") }
            if bytes[index] == UInt8(ascii: "&") {
                guard references else { throw fail(.malformed, "'&' in the XML declaration") }
                try reference(into: false)
                continue
            }
            index += 1
        }
        guard index < bytes.count else { throw XMLReadError(.unexpectedEnd, at: open, in: bytes, "a quoted value that is never closed") }
        let range = start..<index
        index += 1
        return range
    }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, XMLCharacters.isSpace(bytes[index]) { index += 1 }
        return index > start
    }

    private func starts(with prefix: [UInt8]) -> Bool {
        guard index + prefix.count <= bytes.count else { return false }
        for (offset, byte) in prefix.enumerated() where bytes[index + offset] != byte { return false }
        return true
    }

    /// The offset of the next `pattern` at or after the cursor (patterns are 2–3 bytes: linear).
    private func find(_ pattern: [UInt8]) -> Int? {
        var at = index
        while at + pattern.count <= bytes.count {
            if bytes[at] == pattern[0] {
                var match = true
                for offset in 1..<pattern.count where bytes[at + offset] != pattern[offset] { match = false; break }
                if match { return at }
            }
            at += 1
        }
        return nil
    }

    private func declarationRefused(before: Bool) -> XMLReadError {
        let what =
            starts(with: Array("<!DOCTYPE".utf8))
            ? "a DOCTYPE; document type declarations (and the entities they could define) are refused"
            : "a markup declaration ('<!') \(before ? "before" : "after") the root element; only comments may start with '<!' there"
        return fail(.doctypeRefused, what)
    }

    private func shown(at offset: Int) -> String {
        guard offset < bytes.count else { return "the end of the body" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func fail(_ kind: XMLReadError.Kind, _ what: String) -> XMLReadError {
        XMLReadError(kind, at: index, in: bytes, what)
    }
}
