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
