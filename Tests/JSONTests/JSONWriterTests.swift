import Testing

@testable import JSON

struct JSONWriterTests {
    @Test func writesMinimalEscapesInOrder() {
        let value: JSONValue = ["z": "a/b \"q\" \\ \n\t\u{01} é", "a": [1, 2.5, true, nil], "m": [:]]
        #expect(value.jsonString == #"{"z":"a/b \"q\" \\ \n\t\u0001 é","a":[1,2.5,true,null],"m":{}}"#)
    }

    @Test func indentedOutput() {
        let value: JSONValue = ["a": [1], "b": [:]]
        #expect(String(decoding: JSONWriter.serialize(value, indent: 2), as: UTF8.self) == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
    }

    @Test func nodesAreWrittenCompactly() throws {
        let document = try JSONParser.parse("{ \"a\" : [ 1 , { } , [ ] ],\n \"b\\n\" : \"x\" }")
        var out: [UInt8] = []
        JSONWriter.write(document.root, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"{"a":[1,{},[]],"b\n":"x"}"#)
        out = []
        JSONWriter.write(document.root["a"]!, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "[1,{},[]]")
    }

    @Test func numbersKeepTheirText() throws {
        let root = try JSONParser.parse("[1.0, 1E2, -0]").root
        #expect(root.value.jsonString == "[1.0,1E2,-0]")
        #expect(JSONNumber(3.0).text == "3")
        #expect(JSONNumber(0.1).text == "0.1")
        #expect(JSONNumber(Double.nan).text == "0")
        #expect(JSONNumber(literal: "01") == nil)
        #expect(JSONNumber(literal: "-1.5e3")?.doubleValue == -1500)
    }

    @Test func objectSubscriptKeepsOrder() {
        var object: JSONObject = ["a": 1]
        object["b"] = 2
        object["a"] = 3
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        object["a"] = nil
        #expect(object.keys == ["b"])
    }
}

/// The 8-bytes-at-a-time skip in writeString: every escape is found wherever it falls in a word.
@Suite struct JSONWriterStringScanTests {
    @Test func escapesAtEveryOffsetRoundTrip() throws {
        let specials: [Character] = ["\"", "\\", "\n", "\u{1}", "\u{1F}", "\t", "é", "😀", "\u{7F}", " ", "!", "#", "[", "]"]
        for length in 0..<20 {
            for position in 0..<max(1, length) {
                for special in specials {
                    var characters = Array(repeating: Character("a"), count: length)
                    if length > 0 { characters[position] = special }
                    let string = String(characters)
                    var out: [UInt8] = []
                    JSONWriter.writeString(string, into: &out)
                    #expect(try JSONParser.parse(out).root.stringValue == string)
                    // Only the escapes change: a plain run is copied as it stands.
                    let escaped = string.unicodeScalars.contains { $0.value < 0x20 || $0 == "\"" || $0 == "\\" }
                    if !escaped { #expect(out == [0x22] + Array(string.utf8) + [0x22]) }
                }
            }
        }
    }
}
