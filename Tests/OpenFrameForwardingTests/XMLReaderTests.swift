import JSON
import Testing

@testable import OpenFrameForwarding

/// Conformance of the project's XML reader (Instance/XML) for the subset ServiceNow answers in:
/// what it reads, and what it refuses with which kind of error at which byte.
@Suite("XML reader")
struct XMLReaderTests {
    func read(_ text: String) throws(XMLReadError) -> XMLElementTree { try InstanceXMLReader.read(Array(text.utf8)) }

    func refusal(_ bytes: [UInt8]) -> XMLReadError? {
        do { _ = try InstanceXMLReader.read(bytes); return nil } catch { return error }
    }
    func refusal(_ text: String) -> XMLReadError? { refusal(Array(text.utf8)) }

    // MARK: accepted

    @Test("a ServiceNow result, with declaration, reads as names, children and text")
    func result() throws {
        let tree = try read(
            #"<?xml version="1.0" encoding="UTF-8"?><response><result><status>SUCCESS</status><sysId>12961fff</sysId><number>IMS0000052</number></result></response>"#
        )
        #expect(
            tree
                == XMLElementTree(
                    name: "response",
                    children: [
                        XMLElementTree(
                            name: "result",
                            children: [
                                XMLElementTree(name: "status", text: "SUCCESS"),
                                XMLElementTree(name: "sysId", text: "12961fff"),
                                XMLElementTree(name: "number", text: "IMS0000052"),
                            ])
                    ]))
    }

    @Test("an error body and <element> arrays map to JSON as the writer writes them")
    func errorAndArrays() throws {
        let error = try read("<response><error><message>Bad &lt;thing&gt;</message><detail/></error><status>failure</status></response>")
        #expect(error.child("error")?.child("message")?.text == "Bad <thing>")
        #expect(error.child("error")?.child("detail")?.text == "")
        let array = try read("<result><list><element>a</element><element><x>1</x></element><element/></list></result>")
        #expect(array.jsonValue == .object(["list": .array([.string("a"), .object(["x": .string("1")]), .string("")])]))
    }

    @Test("the five entities and character references, decimal and hex, in text")
    func references() throws {
        #expect(try read("<a>&lt;&gt;&amp;&apos;&quot;</a>").text == "<>&'\"")
        #expect(try read("<a>&#65;&#x42;&#xe9;&#x1F600;&#13;&#0000000000065;</a>").text == "ABé😀\rA")
    }

    @Test("CDATA is text as written, comments and processing instructions are skipped")
    func cdataCommentsPIs() throws {
        let tree = try read(
            "<!-- before --><?pi data?><?pi?><r><!-- c --><a><![CDATA[<b>&amp;]]> and ]] ><![CDATA[]]></a><?x y?></r><!-- after --><?tail?>\n"
        )
        #expect(tree.child("a")?.text == "<b>&amp; and ]] >")
        #expect(tree.children.count == 1)
    }

    @Test("blanks between children are layout; a leaf keeps its blanks; line ends become LF")
    func whitespace() throws {
        let tree = try read("\n <?xml-stylesheet x?>\r\n<r>\n  <a>  x\r\ny\rz  </a>\n  <b>\t</b>\n</r>\n\n")
        #expect(tree.text == "")
        #expect(tree.child("a")?.text == "  x\ny\nz  ")
        #expect(tree.child("b")?.text == "\t")
    }

    @Test("a byte-order mark, attributes (dropped), blanks inside tags, non-ASCII names and text")
    func lexicalVariety() throws {
        let tree = try InstanceXMLReader.read(
            [0xEF, 0xBB, 0xBF]
                + Array(
                    #"<?xml version='1.0' standalone="yes" ?><response xmlns="http://x" a = 'q&amp;"' ><résumé >ünï 中文</résumé ><e /></response >"#
                        .utf8))
        #expect(
            tree == XMLElementTree(name: "response", children: [XMLElementTree(name: "résumé", text: "ünï 中文"), XMLElementTree(name: "e")]))
    }

    @Test("text split by comments, references and CDATA is one string; mixed content keeps only children")
    func textPieces() throws {
        #expect(try read("<a>x<!--c-->y&amp;<![CDATA[z]]>w</a>").text == "xy&zw")
        let mixed = try read("<a>before<b>in</b>after</a>")
        #expect(mixed.text == "" && mixed.children == [XMLElementTree(name: "b", text: "in")])
    }

    @Test("depth 64 reads, 65 is refused as too deep")
    func depth() throws {
        func nested(_ depth: Int) -> String { String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) }
        _ = try read(nested(64))
        let error = refusal(nested(65))
        #expect(error?.kind == .tooDeep)
        #expect(error?.offset == 64 * 3)
    }

    @Test("what the writer writes reads back to the same JSON")
    func writerRoundTrip() throws {
        let json =
            #"{"interaction":{"userPhoneNumber":"+1 408 <&> \"x\"","logs":[{"at":"1\r2"},{"at":"é\t"}],"n":12,"b":true,"empty":"","none":null}}"#
        let document = try JSONParser.parse(Array(json.utf8))
        let body = try InstanceXMLWriter.requestBody(document.root)
        let tree = try InstanceXMLReader.read(body)
        #expect(tree.name == "request")
        #expect(
            tree.jsonValue
                == .object([
                    "interaction": .object([
                        "userPhoneNumber": "+1 408 <&> \"x\"",
                        "logs": .array([.object(["at": "1\r2"]), .object(["at": "é\t"])]),
                        "n": "12", "b": "true", "empty": "", "none": "",
                    ])
                ]))
    }

    // MARK: refused

    @Test(
        "DOCTYPE and ENTITY declarations are refused, never expanded",
        arguments: [
            #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>"#,
            "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>",
            "<r><!ENTITY x \"y\"></r>",
            "<r/><!DOCTYPE r>",
            "<!ELEMENT r ANY><r/>",
        ])
    func doctype(body: String) {
        #expect(refusal(body)?.kind == .doctypeRefused)
    }

    @Test("an encoding other than UTF-8, or bytes that are not UTF-8, are refused")
    func encodings() {
        #expect(refusal(#"<?xml version="1.0" encoding="UTF-16"?><r/>"#)?.kind == .otherEncoding)
        #expect(refusal(#"<?xml version="1.0" encoding="ISO-8859-1"?><r>é</r>"#)?.kind == .otherEncoding)
        _ = #expect(throws: Never.self) { try read(#"<?xml version="1.0" encoding="utf8"?><r/>"#) }
        let bad: [[UInt8]] = [
            [0x3C, 0x72, 0x3E, 0xC3, 0x3C, 0x2F, 0x72, 0x3E],  // truncated 2-byte sequence
            [0x3C, 0x72, 0x3E, 0xC0, 0xAF, 0x3C, 0x2F, 0x72, 0x3E],  // overlong '/'
            [0x3C, 0x72, 0x3E, 0xED, 0xA0, 0x80, 0x3C, 0x2F, 0x72, 0x3E],  // a surrogate
            [0x3C, 0x72, 0x3E, 0xF4, 0x90, 0x80, 0x80, 0x3C, 0x2F, 0x72, 0x3E],  // over U+10FFFF
            Array("<r><".utf8) + [0xEE] + Array("{:x>".utf8),  // once crashed FoundationXML
            [0xFF, 0xFE, 0x3C, 0x00, 0x72, 0x00, 0x2F, 0x00, 0x3E, 0x00],  // UTF-16 with its BOM
        ]
        for bytes in bad {
            let error = refusal(bytes)
            #expect(error?.kind == .invalidUTF8, "\(bytes)")
        }
        #expect(refusal([0x3C, 0x72, 0x3E, 0xC3, 0x3C, 0x2F, 0x72, 0x3E])?.offset == 3)
    }

    @Test(
        "characters XML does not allow are refused, as bytes or as references",
        arguments: [
            "<r>a\u{0}b</r>", "<r>\u{1}</r>", "<r>\u{FFFE}</r>", "<r>&#0;</r>", "<r>&#x1F;</r>", "<r>&#xD800;</r>",
            "<r>&#x110000;</r>", "<r>&#99999999999999999999;</r>", "<r>&#xFFFF;</r>",
        ])
    func forbiddenCharacters(body: String) {
        #expect(refusal(body)?.kind == .forbiddenCharacter)
    }

    @Test("undefined entities are refused by name")
    func undefinedEntity() {
        let error = refusal("<r>&nbsp;</r>")
        #expect(error?.kind == .undefinedEntity)
        #expect(error?.what.contains("&nbsp;") == true)
        #expect(error?.offset == 3)
    }

    @Test(
        "malformed documents are refused with where and what",
        arguments: [
            ("", XMLReadError.Kind.empty, 0),
            ("   ", .unexpectedEnd, 3),
            ("hello", .malformed, 0),
            ("<r>", .unexpectedEnd, 3),
            ("<r></s>", .mismatchedTag, 3),
            ("<r><a></r>", .mismatchedTag, 6),
            ("<r/><r/>", .malformed, 4),
            ("<r/>text", .malformed, 4),
            ("<r>a & b</r>", .malformed, 5),
            ("<r>&amp</r>", .malformed, 3),
            ("<r>&#;</r>", .malformed, 3),
            ("<r>&#x;</r>", .malformed, 3),
            ("<r>]]></r>", .malformed, 3),
            ("<r><!-- a -- b --></r>", .malformed, 10),
            ("<r><!-- a </r>", .unexpectedEnd, 3),
            ("<r><![CDATA[x</r>", .unexpectedEnd, 3),
            ("<r><?pi x</r>", .unexpectedEnd, 3),
            ("<r><?pi-x</r>", .malformed, 9),
            ("<r><?xml version=\"1.0\"?></r>", .malformed, 3),
            ("<?xml version=\"1.0\"?><?xml version=\"1.0\"?><r/>", .malformed, 21),
            (" <?xml version=\"1.0\"?><r/>", .malformed, 1),
            ("<?xml encoding=\"UTF-8\"?><r/>", .malformed, 6),
            ("<?xml version=\"2.0\"?><r/>", .malformed, 15),
            ("<?xml version=\"1.0\" standalone=\"maybe\"?><r/>", .malformed, 32),
            ("<?xml version=\"1.0\"", .unexpectedEnd, 19),
            ("<r a></r>", .malformed, 4),
            ("<r a=b></r>", .malformed, 5),
            ("<r a=\"<\"></r>", .malformed, 6),
            ("<r a=\"x\"b=\"y\"></r>", .malformed, 8),
            ("<r a=\"x></r>", .malformed, 8),
            ("<r a=\"x", .unexpectedEnd, 5),
            ("<r/ >", .malformed, 2),
            ("<1r/>", .malformed, 1),
            ("< r/>", .malformed, 1),
            ("<r></ r>", .malformed, 5),
            ("<r></r", .unexpectedEnd, 6),
            ("<r>x<", .unexpectedEnd, 4),
        ])
    func malformed(body: String, kind: XMLReadError.Kind, offset: Int) {
        let error = refusal(body)
        #expect(error?.kind == kind, "\(body): \(String(describing: error))")
        #expect(error?.offset == offset, "\(body): \(String(describing: error))")
    }

    @Test("the error says line and column")
    func lineAndColumn() {
        let error = refusal("<r>\n  <a>\n  </b>\n</r>")
        #expect(error?.description == "XML line 3, column 3 (byte 12): </b> closes <a> (opened at byte 6)")
    }

    @Test("work stays linear: 4 MiB of siblings, text, comments or unclosed constructs")
    func linear() throws {
        // A quadratic reader takes minutes on these; this one is a few passes over 4 MiB.
        let siblings = "<r>" + String(repeating: "<a>x</a>", count: 500_000) + "</r>"
        #expect(try read(siblings).children.count == 500_000)
        let dashes = "<r><!--" + String(repeating: "-", count: 1 << 22)
        #expect(refusal(dashes)?.kind == .malformed)
        let brackets = "<r>" + String(repeating: "]", count: 1 << 22) + "</r>"
        #expect(try read(brackets).text.utf8.count == 1 << 22)
        let openers = String(repeating: "<!--", count: 1 << 20)
        #expect(refusal(openers) != nil)
        let deep = String(repeating: "<a>", count: 1 << 20)
        #expect(refusal(deep)?.kind == .tooDeep)
    }
}
