import Testing

@testable import JSON

struct JSONParserTests {
    func error(_ text: String) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// Strings are scanned 8 bytes at a time: every special byte must be found at every offset
    /// within and across those words, with its own outcome (end, escape, UTF-8 check, error).
    @Test func stringScanFindsSpecialBytesAtEveryOffset() throws {
        for offset in 0..<20 {
            let pad = String(repeating: "a", count: offset)
            let tail = String(repeating: "b", count: 11)
            #expect(try JSONParser.parse("\"\(pad)\"").root.stringValue == pad)
            #expect(try JSONParser.parse("\"\(pad)\\n\(tail)\"").root.stringValue == pad + "\n" + tail)
            #expect(try JSONParser.parse("\"\(pad)é\(tail)\"").root.stringValue == pad + "é" + tail)
            #expect(try JSONParser.parse("\"\(pad)\u{7F}\(tail)\"").root.stringValue == pad + "\u{7F}" + tail)
            #expect(error("\"\(pad)\u{1F}\(tail)\"")?.offset == 1 + offset)
            #expect(error("\"\(pad)\u{0}\(tail)\"")?.offset == 1 + offset)
            let invalid = Array("\"\(pad)".utf8) + [0xFF] + Array("\(tail)\"".utf8)
            #expect(throws: JSONParseError.self) { try JSONParser.parse(invalid) }
            #expect(error("\"\(pad)")?.reason.contains("unterminated") == true)
        }
    }

    @Test func spansCoverEachValue() throws {
        let text = #"{"a": [1, "x\"y", true], "b": {"c": null}}"#
        let root = try JSONParser.parse(text).root
        func slice(_ node: JSONNode) -> String { String(decoding: node.rawBytes, as: UTF8.self) }
        #expect(slice(root) == text)
        #expect(slice(root["a"]!) == #"[1, "x\"y", true]"#)
        let elements = Array(root["a"]!.elements)
        #expect(elements.map(slice) == ["1", #""x\"y""#, "true"])
        #expect(elements[1].stringValue == "x\"y")
        #expect(root["b"]!["c"]!.isNull)
        #expect(root["b"]!.span == SourceSpan(start: 30, end: 41))
        #expect(Array(root.members).map(\.key) == ["a", "b"])
        #expect(root.members.map { slice($0.keyNode) } == [#""a""#, #""b""#])
    }

    @Test func scalarsDecode() throws {
        let root = try JSONParser.parse(#"[-0, 12.5e2, 9007199254740993, "\u00e9\ud83d\ude00\n", false]"#).root
        let e = Array(root.elements)
        #expect(e[0].numberValue?.text == "-0")
        #expect(e[1].doubleValue == 1250)
        #expect(e[2].intValue == 9_007_199_254_740_993)
        #expect(e[3].stringValue == "é😀\n")
        #expect(e[4].boolValue == false)
        #expect(root.count == 5)
    }

    @Test func lastDuplicateWinsAndIsReported() throws {
        let document = try JSONParser.parse(#"{"a": 1, "b": 2, "a": 3, "\u0062": 4}"#)
        #expect(document.root["a"]?.intValue == 3)
        #expect(document.duplicateKeys.count == 2)
        #expect(document.duplicateKeys[0].first.span.start == 1)
        #expect(document.duplicateKeys[0].duplicate.span.start == 17)
        #expect(document.duplicateKeys[1].duplicate.stringValue == "b")
    }

    @Test func duplicatesInLargeObjects() throws {
        var text = "{"
        for i in 0..<100 { text += "\"k\(i)\": \(i)," }
        text += "\"k42\": 0}"
        let document = try JSONParser.parse(text)
        #expect(document.duplicateKeys.count == 1)
        #expect(document.duplicateKeys[0].duplicate.stringValue == "k42")
    }

    @Test func depthLimitIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let failure = error(deep)
        #expect(failure?.kind == .tooDeep)
        #expect(failure?.offset == JSONParser.defaultMaxDepth)
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(ok, options: .init(maxDepth: 9)) }
        #expect(try JSONParser.parse(ok, options: .init(maxDepth: 10)).root.count == 1)
    }

    @Test(arguments: [
        ("[1,]", 3, "trailing comma"),
        (#"{"a":1,}"#, 7, "trailing comma"),
        ("[01]", 1, "leading zeros"),
        ("\"a\u{01}\"", 2, "control character U+0001"),
        (#""\ud800""#, 1, "lone surrogate"),
        (#""\udc00\ud800""#, 1, "lone surrogate"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("{1:2}", 1, "member name"),
        ("[1] x", 4, "after the JSON value"),
        ("[\"abc", 5, "unterminated string starting at byte 1"),
        ("tru", 0, "expected 'true'"),
        ("", 0, "empty"),
        ("   ", 3, "empty"),
        ("[1.]", 3, "decimal point"),
        ("[1e]", 3, "exponent"),
        (#"["\x"]"#, 2, "invalid escape \\x"),
        ("{", 1, "unexpected end of input"),
    ])
    func syntaxErrorsSayWhatAndWhere(_ text: String, _ offset: Int, _ phrase: String) throws {
        let failure = try #require(error(text))
        #expect(failure.offset == offset, "\(failure)")
        #expect(failure.reason.contains(phrase), "\(failure.reason)")
    }

    @Test func invalidUTF8IsRejected() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            do {
                _ = try JSONParser.parse(bytes)
                Issue.record("accepted \(bytes)")
            } catch {
                #expect(error.kind == .invalidUTF8)
            }
        }
        #expect((try? JSONParser.parse([0x22, 0xE2, 0x82, 0xAC, 0x22]))?.root.stringValue == "€")
    }

    @Test func byteOrderMarkIsIgnored() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)).root.kind == .object)
    }

    @Test func stringEqualsComparesValues() throws {
        let root = try JSONParser.parse(#"["abc", "a\u0062c", 1]"#).root
        let e = Array(root.elements)
        #expect(e[0].stringEquals("abc"))
        #expect(e[1].stringEquals("abc"))
        #expect(!e[0].stringEquals("abcd"))
        #expect(!e[2].stringEquals("1"))
    }

    @Test func pointerResolvesAndEscapes() throws {
        let root = try JSONParser.parse(#"{"a/b": [0, {"~x": 7}]}"#).root
        let pointer = JSONPointer() / "a/b" / 1 / "~x"
        #expect(pointer.description == "/a~1b/1/~0x")
        #expect(root.resolve(pointer)?.intValue == 7)
        #expect(JSONPointer(parsing: "/a~1b/1/~0x") == pointer)
        #expect(root.resolve(JSONPointer() / "nope") == nil)
    }
}
