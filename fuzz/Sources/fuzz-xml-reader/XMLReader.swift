// Fuzz target: the project's XML reader for instance answers, `InstanceXMLReader.read(_:)`
// (Sources/OpenFrameForwarding/Instance/XML), which replaced FoundationXML.
//
// fuzz-options: -dict=xml.dict -max_len=8192
//
// Input: the body, as is.
//
// Properties:
//  * never a crash or a hang (the reader is one linear pass with an explicit stack);
//  * bytes that are not valid UTF-8 (Swift's own decoder is the oracle) are refused as such, or as
//    a forbidden character when a control character comes first; valid UTF-8 is never refused as
//    `.invalidUTF8`; what is accepted has no C0 control but tab, LF, CR;
//  * an error's offset is within the input, its line and column agree with the input's LFs;
//  * accepted: depth at most 64; every name a non-empty XML name; an element with children has
//    no text; the tree written back as XML (names, escaped text, CR as &#13;) reads to the same
//    tree, and writing that is a byte-exact fixed point;
//  * the same tree wrapped in `<w>…</w>` reads too unless its depth was exactly 64, which is then
//    refused as `.tooDeep` (the depth limit holds exactly);
//  * a DOCTYPE or ENTITY declaration outside comments, CDATA and text is never accepted
//    (checked on inputs that start with one after blanks).

import FuzzSupport
import OpenFrameForwarding

func depth(_ tree: XMLElementTree) -> Int {
    var deepest = 0
    var stack: [(XMLElementTree, Int)] = [(tree, 1)]
    while let (node, level) = stack.popLast() {
        deepest = max(deepest, level)
        for child in node.children { stack.append((child, level + 1)) }
    }
    return deepest
}

func write(_ tree: XMLElementTree, into out: inout [UInt8]) {
    out += Array("<\(tree.name)>".utf8)
    if tree.children.isEmpty {
        for byte in tree.text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case 0x0D: out += Array("&#13;".utf8)
            default: out.append(byte)
            }
        }
    }
    for child in tree.children { write(child, into: &out) }
    out += Array("</\(tree.name)>".utf8)
}

/// An XML name as far as ASCII goes (non-ASCII name characters are the reader's table, not re-derived).
func isName(_ name: String) -> Bool {
    func ascii(_ b: UInt8, first: Bool) -> Bool {
        let letter = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
        return first ? letter : letter || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }
    let utf8 = Array(name.utf8)
    guard let first = utf8.first else { return false }
    return (first >= 0x80 || ascii(first, first: true)) && utf8.dropFirst().allSatisfy { $0 >= 0x80 || ascii($0, first: false) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXMLReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let context = { "\ninput \(escaped(bytes))" }
    let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
    do {
        let tree = try InstanceXMLReader.read(bytes)
        fuzzCheck(validUTF8, "accepted bytes that are not UTF-8" + context())
        fuzzCheck(!bytes.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }, "accepted a control character" + context())
        let levels = depth(tree)
        fuzzCheck(levels <= InstanceXMLReader.maxDepth, "accepted depth \(levels)" + context())
        var stack = [tree]
        while let node = stack.popLast() {
            fuzzCheck(isName(node.name), "element name \(node.name.debugDescription)" + context())
            fuzzCheck(node.children.isEmpty || node.text.isEmpty, "<\(node.name)> has children and text" + context())
            stack += node.children
        }
        var written: [UInt8] = []
        write(tree, into: &written)
        guard let again = try? InstanceXMLReader.read(written) else { fuzzFailure("the tree written back does not read: \(escaped(written))" + context()) }
        fuzzCheck(again == tree, "the tree written back reads differently: \(escaped(written))" + context())
        var twice: [UInt8] = []
        write(again, into: &twice)
        fuzzCheck(twice == written, "writing is not a fixed point" + context())
        do {
            _ = try InstanceXMLReader.read(Array("<w>".utf8) + written + Array("</w>".utf8))
            fuzzCheck(levels < InstanceXMLReader.maxDepth, "depth \(levels + 1) accepted" + context())
        } catch {
            fuzzCheck(levels == InstanceXMLReader.maxDepth && error.kind == .tooDeep, "wrapped in <w>: \(error)" + context())
        }
        let head = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        fuzzCheck(!head.starts(with: Array("<!DOCTYPE".utf8)) && !head.starts(with: Array("<!ENTITY".utf8)), "accepted a DOCTYPE" + context())
    } catch {
        // The first bad scalar decides: a control character before the invalid bytes is reported as such.
        fuzzCheck(validUTF8 ? error.kind != .invalidUTF8 : (error.kind == .invalidUTF8 || error.kind == .forbiddenCharacter),
                  "\(error) for bytes whose UTF-8 validity is \(validUTF8)" + context())
        fuzzCheck(error.offset >= 0 && error.offset <= bytes.count, "offset \(error.offset) outside the input" + context())
        let before = bytes.prefix(error.offset)
        let lines = before.filter { $0 == 0x0A }.count + 1
        let lineStart = (before.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        fuzzCheck(error.line == lines && error.column == error.offset - lineStart + 1, "line/column \(error.line):\(error.column) for offset \(error.offset)" + context())
        fuzzCheck(!error.what.isEmpty, "an error without a reason" + context())
    }
    return 0
}
