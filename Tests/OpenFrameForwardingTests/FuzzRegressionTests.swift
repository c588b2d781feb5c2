import Foundation
import Testing
import JSON
@testable import OpenFrameForwarding

/// Inputs that fuzz-instance-response (fuzz/) found; each also lives in
/// fuzz/corpus/instance-response/regress-*.
@Suite("Fuzz regressions: instance responses")
struct InstanceResponseFuzzRegressionTests {
    static let xml = ["Content-Type": "application/xml;charset=UTF-8"]

    /// `<?pi?>`: FoundationXML hands libxml2's NULL data to strlen and crashes the process
    /// (regress-xml-processing-instruction-without-data). Such bodies are refused before XMLParser.
    @Test("A processing instruction without data is refused, not parsed", arguments: [
        "<?pi?>",
        "<?pi?><response><error><message>m</message></error></response>",
        #"<?xml version="1.0"?><response><result><status>SUCCESS</status><?xml-stylesheet?></result></response>"#,
        "<response><error><message>m</message></error></response><?a?>",
        "<response><result><a><![CDATA[<?b?>]]></a></result></response>",
    ])
    func processingInstructionWithoutData(body: String) {
        guard case .failure(.instance(200, let message, nil)) = InstanceResponseParser.parse(status: 200, headers: Self.xml, body: Array(body.utf8)) else {
            Issue.record("expected an instance error for \(body)")
            return
        }
        #expect(message.hasPrefix("HTTP 200 from the instance, with a body that is not a ServiceNow result: "))
        #expect(InstanceXMLReader.hasProcessingInstructionWithoutData(Array(body.utf8)))
    }

    @Test("Processing instructions with data, and the XML declaration, still parse")
    func processingInstructionWithData() throws {
        let body = #"<?xml version="1.0" encoding="UTF-8"?><?pi some data?><response><result><status>SUCCESS</status><number>IMS1</number></result></response><?tail x?>"#
        let result = try InstanceResponseParser.parse(status: 200, headers: Self.xml, body: Array(body.utf8)).get()
        #expect(result["number"] == "IMS1")
        for text in ["<? x?>", "<?a b?>", "<?a\t?>", "<?", "<?a?", "a?>", "<a?>"] {
            #expect(!InstanceXMLReader.hasProcessingInstructionWithoutData(Array(text.utf8)), "\(text)")
        }
    }
}
