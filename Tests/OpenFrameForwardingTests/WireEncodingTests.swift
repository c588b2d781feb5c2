import Foundation
import JSON
import TestSupport
import Testing

@testable import OpenFrameForwarding

@Suite("Wire encodings")
struct WireEncodingTests {
    func node(_ text: String) throws -> JSONNode { try JSONParser.parse(text).root }

    @Test("XML request body: the stand-in's mapping")
    func xmlRequest() throws {
        let payload = try node(
            #"""
            {"interaction":{"userPhoneNumber":"+1303506536","additionalParams":{"direction":"inbound","count":3,"vip":true,"none":null}},
             "interactionContext":{},"phoneLogs":[{"call_id":"2323223","note":"a < b & c > d\r\n\tok"}],"relatedRecords":[],"empty":""}
            """#)
        let xml = String(decoding: try InstanceXMLWriter.requestBody(payload), as: UTF8.self)
        #expect(
            xml == #"<?xml version="1.0" encoding="UTF-8"?><request><interaction><userPhoneNumber>+1303506536</userPhoneNumber>"#
                + "<additionalParams><direction>inbound</direction><count>3</count><vip>true</vip><none/></additionalParams></interaction>"
                + "<interactionContext/><phoneLogs><element><call_id>2323223</call_id><note>a &lt; b &amp; c &gt; d&#13;\n\tok</note></element></phoneLogs>"
                + "<relatedRecords/><empty/></request>")
    }

    @Test("XML request body: what XML cannot carry is a configuration error")
    func xmlRefusals() throws {
        for text in [
            #"{"interaction":{"bad key":"x"}}"#, #"{"1abc":"x"}"#, #"{"a":{"ns:x":"y"}}"#, #"{"a":"bell\u0007"}"#, #"{"é":"x"}"#, "[1]",
        ] {
            #expect(throws: ForwardingError.self, "\(text)") { _ = try InstanceXMLWriter.requestBody(try node(text)) }
        }
    }

    @Test("XML request body agrees with the stand-in's own reader")
    func xmlAgreesWithStandIn() throws {
        let payload =
            #"{"interaction":{"userPhoneNumber":"+14155550100","additionalParams":{"direction":"inbound","short_description":"x & <y>\r\nz"}},"interactionContext":{"devicetype":"genesys"},"phoneLogs":[{"call_id":"1"},{"call_id":"2","agent":"a"}],"relatedRecords":[{"documentTable":"sys_user","documentId":"62826bf03710200044e0bfc8bcbe5df1"}]}"#
        let xml = try InstanceXMLWriter.requestBody(try node(payload))
        let script = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            from openframe_standin import xml_to_payload
            print(json.dumps(xml_to_payload(open(sys.argv[2], "rb").read()), sort_keys=True))
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-xml-\(UUID().uuidString).xml")
        try Data(xml).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, URL(fileURLWithPath: StandIn.scriptPath).deletingLastPathComponent().path, file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = Data(POSIXRead.all(output.fileHandleForReading.fileDescriptor))
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let expected = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as! NSDictionary
        let decoded = try JSONSerialization.jsonObject(with: data) as! NSDictionary
        #expect(decoded == expected)
    }

    @Test("form encoding percent-encodes everything outside the unreserved set")
    func formEncoding() {
        let body = FormEncoding.encode([("grant_type", "password"), ("client_secret", "a+b&c=d%e f/é~._-"), ("username", "ağent@x")])
        #expect(
            String(decoding: body, as: UTF8.self)
                == "grant_type=password&client_secret=a%2Bb%26c%3Dd%25e%20f%2F%C3%A9~._-&username=a%C4%9Fent%40x")
    }

    @Test("body snippets")
    func snippets() {
        #expect(BodySnippet.make([]) == "(empty body)")
        #expect(BodySnippet.make(Array("   \n\t ".utf8)) == "(no readable text)")
        #expect(BodySnippet.make(Array("<p>unterminated <b".utf8)) == "unterminated")
        #expect(BodySnippet.make(Array("a<script>never".utf8)) == "a")
        #expect(BodySnippet.make(Array(String(repeating: "x", count: 500).utf8)).count == 200)
        #expect(BodySnippet.make(Array("plain   text\r\nhere".utf8)) == "plain text here")
    }
}
