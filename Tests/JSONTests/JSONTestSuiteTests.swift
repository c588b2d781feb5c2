import Foundation
import Testing

@testable import JSON

/// The public JSONTestSuite corpus: y_ must parse, n_ must not, i_ may go either way but must finish.
struct JSONTestSuiteTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/JSONTestSuite/test_parsing")

    static func files(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func corpusIsPresent() {
        #expect(Self.files("y_").count == 95)
        #expect(Self.files("n_").count == 188)
        #expect(Self.files("i_").count == 35)
    }

    @Test(arguments: files("y_"))
    func accepts(_ name: String) throws {
        let bytes = try Self.bytes(name)
        let document = try JSONParser.parse(bytes)
        // What we accept writes back and parses to the same value.
        let written = JSONWriter.serialize(document.root.value)
        #expect(try JSONParser.parse(written).root.value == document.root.value)
        var compact: [UInt8] = []
        JSONWriter.write(document.root, into: &compact)
        #expect(try JSONParser.parse(compact).root.value == document.root.value)
    }

    @Test(arguments: files("n_"))
    func rejects(_ name: String) throws {
        let bytes = try Self.bytes(name)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test(arguments: files("i_"))
    func finishes(_ name: String) throws {
        let bytes = try Self.bytes(name)
        _ = try? JSONParser.parse(bytes)
    }
}
