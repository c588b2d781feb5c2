import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

/// Inputs that fuzz-instance-response (fuzz/) found; each also lives in
/// fuzz/corpus/instance-response/regress-*.
@Suite("Fuzz regressions: instance responses")
struct InstanceResponseFuzzRegressionTests {
    static let xml = ["Content-Type": "application/xml;charset=UTF-8"]

    /// `<?pi?>` once crashed the process: FoundationXML handed libxml2's NULL data to strlen
    /// (regress-xml-processing-instruction-without-data). The project's own reader reads such a
    /// processing instruction as XML allows (it is well-formed) and skips it.
    @Test(
        "A processing instruction without data is read and skipped",
        arguments: [
            ("<?pi?>", false),
            ("<?pi?><response><error><message>m</message></error></response>", true),
            (#"<?xml version="1.0"?><response><result><status>SUCCESS</status><?xml-stylesheet?></result></response>"#, true),
            ("<response><error><message>m</message></error></response><?a?>", true),
            ("<response><result><a><![CDATA[<?b?>]]></a></result></response>", true),
        ])
    func processingInstructionWithoutData(body: String, wellFormed: Bool) {
        #expect((InstanceXMLReader.parse(Array(body.utf8)) != nil) == wellFormed)
        let parsed = InstanceResponseParser.parse(status: 200, headers: Self.xml, body: Array(body.utf8))
        if body.contains("SUCCESS") {
            #expect((try? parsed.get()) != nil)
        } else {
            guard case .failure(.instance(200, _, _)) = parsed else { Issue.record("expected an instance error for \(body)"); return }
        }
    }

    @Test("Processing instructions with data, and the XML declaration, still parse")
    func processingInstructionWithData() throws {
        let body =
            #"<?xml version="1.0" encoding="UTF-8"?><?pi some data?><response><result><status>SUCCESS</status><number>IMS1</number></result></response><?tail x?>"#
        let result = try InstanceResponseParser.parse(status: 200, headers: Self.xml, body: Array(body.utf8)).get()
        #expect(result["number"] == "IMS1")
    }
}
