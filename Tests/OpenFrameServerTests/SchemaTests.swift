import JSON
import JSONRPC
import Testing

@testable import OpenFrame
@testable import OpenFrameServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `openframe/schema`, the checked-in `schema/*.schema.json`, and their agreement with the core.
struct SchemaTests {
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// Fails when `PayloadSchema` changed and the files were not regenerated (or were edited by hand).
    @Test(arguments: Operation.allCases)
    func checkedInFilesMatchTheRules(_ operation: Operation) throws {
        let path = "\(Self.repositoryRoot)/schema/\(JSONSchemaGenerator.fileName(for: operation))"
        let checkedIn = try #require(readBytes(path), "missing \(path); create it with: \(JSONSchemaGenerator.regenerateCommand)")
        let generated = JSONSchemaGenerator.fileContents(for: operation)
        let upToDate = checkedIn == generated
        #expect(
            upToDate,
            """
            schema/\(JSONSchemaGenerator.fileName(for: operation)) no longer matches the payload rules (PayloadSchema)\
            \(firstDifference(checkedIn, generated)). Regenerate the checked-in schemas with: \(JSONSchemaGenerator.regenerateCommand)
            """)
    }

    @Test func methodReturnsBothOrOne() throws {
        let client = EditorClient()
        for params: JSONValue? in [nil, [:]] {
            let both = try #require(client.request("openframe/schema", params)["result"])
            #expect(both == ["create": JSONSchemaGenerator.schema(for: .create), "update": JSONSchemaGenerator.schema(for: .update)])
        }
        let update = try #require(client.request("openframe/schema", ["operation": "update"])["result"])
        #expect(update == JSONSchemaGenerator.schema(for: .update))
        #expect(update["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(update["required"] == ["interaction"])
        #expect(update["properties"]?["interaction"]?["required"] == nil)
        #expect(
            client.request("openframe/schema", ["operation": "create"])["result"]?["properties"]?["interaction"]?["required"] == [
                "userPhoneNumber"
            ])
    }

    @Test func badParamsAreInvalidParams() {
        let client = EditorClient()
        let wrong = client.request("openframe/schema", ["operation": "delete"])
        #expect(wrong["error"]?["code"] == -32602)
        #expect(wrong["error"]?["message"] == #"openframe/schema: params.operation must be "create" or "update"; found "delete""#)
        #expect(client.request("openframe/schema", ["operation": "create", "draft": 7])["error"]?["code"] == -32602)
        #expect(client.request("openframe/schema", ["operation": 1])["error"]?["code"] == -32602)
    }

    /// Every member the schema declares is in the JSON Schema, with its requirement, and nothing else.
    @Test(arguments: Operation.allCases)
    func everyMemberOfThePayloadSchema(_ operation: Operation) {
        func check(_ spec: MemberSpec, _ schema: JSONValue?, _ place: String) {
            guard let schema else {
                Issue.record("no schema for \(place)")
                return
            }
            switch spec.type {
            case .object, .scalarMap:
                #expect(schema["type"] == "object", "\(place)")
                let properties = schema["properties"]?.objectValue?.keys ?? []
                #expect(properties == spec.children.map(\.name), "\(place)")
                let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(required == spec.children.filter { $0.isRequired(for: operation) }.map(\.name), "\(place)")
                #expect((schema["additionalProperties"] == false) == spec.isClosed, "\(place)")
                for child in spec.children { check(child, schema["properties"]?[child.name], "\(place)/\(child.name)") }
            case .array:
                #expect(schema["type"] == "array", "\(place)")
                if let element = spec.element { check(element, schema["items"], "\(place)/items") }
            case .string:
                #expect(schema["type"] == "string", "\(place)")
            case .scalar:
                #expect(schema["type"]?.arrayValue?.contains("string") == true, "\(place)")
            }
            #expect(schema["description"]?.stringValue?.hasPrefix(spec.summary) ?? (spec === PayloadSchema.root), "\(place)")
        }
        check(PayloadSchema.root, JSONSchemaGenerator.schema(for: operation), "")
    }

    // MARK: the patterns say what the core checks

    func matches(_ format: MemberSpec.Format, _ text: String) throws -> Bool {
        try Regex(JSONSchemaGenerator.pattern(format)).wholeMatch(in: text) != nil
    }

    @Test(arguments: [
        "+14089965744", "+442079460958", "+6837012", "+123456789012345", "+1234567890123456", "+123456", "+0123456789",
        "14089965744", "+1 408 996 5744", "+1-408-996-5744", "0014089965744", "+", "", "+1408996574a", "+8081234567",
    ])
    func e164PatternIsTheShapeTheCoreAccepts(_ text: String) throws {
        // The core grades numbers of the right shape as valid or impossible (a warning); only the shape is an error.
        let shapeOK: Bool
        switch E164.check(text) {
        case .valid, .impossible: shapeOK = true
        case .invalid: shapeOK = false
        }
        #expect(try matches(.e164, text) == shapeOK, "\(text)")
    }

    @Test(arguments: [
        "62826bf03710200044e0bfc8bcbe5df1", "62826BF03710200044E0BFC8BCBE5DF1", "62826bf03710200044e0bfc8bcbe5df",
        "g2826bf03710200044e0bfc8bcbe5df1", "", "62826bf0-3710-2000-44e0-bfc8bcbe5df1",
    ])
    func sysIdPattern(_ text: String) throws {
        #expect(try matches(.sysId, text) == SysID.isValid(text), "\(text)")
    }

    @Test(arguments: [
        "sys_user", "csm_consumer", "u_x1", "a", "Sys_user", "1abc", "_a", "short description", "", String(repeating: "a", count: 80),
        String(repeating: "a", count: 81), "é",
    ])
    func nameFormsPattern(_ text: String) throws {
        #expect(try matches(.columnName, text) == ColumnName.isValid(text), "\(text)")
        #expect(try matches(.tableName, text) == ColumnName.isValid(text), "\(text)")
    }

    @Test(arguments: [
        "2024-11-04 21:45:00", "2024-02-29 00:00:00", "2024-12-31 23:59:59", "2024-13-01 00:00:00", "2024-11-04T21:45:00",
        "2024-11-04 24:00:00", "2024-11-04 21:60:00", "24-11-04 21:45:00", "",
    ])
    func dateTimePatternAgreesOnEverythingButTheCalendar(_ text: String) throws {
        #expect(try matches(.dateTime, text) == PlatformDateTime.isValid(text), "\(text)")
    }

    @Test func dateTimePatternLeavesTheCalendarToTheCore() throws {
        // A pattern cannot know February's length; the core can.
        #expect(try matches(.dateTime, "2023-02-30 10:00:00"))
        #expect(!PlatformDateTime.isValid("2023-02-30 10:00:00"))
    }
}

/// Where two texts first differ, for a failure message a person can act on.
private func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    let linesA = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let linesB = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(linesA.count, linesB.count) {
        let x = index < linesA.count ? String(linesA[index]) : "<end of file>"
        let y = index < linesB.count ? String(linesB[index]) : "<end of file>"
        if x != y { return ": line \(index + 1) is `\(x.drop(while: { $0 == " " }))` but the rules give `\(y.drop(while: { $0 == " " }))`" }
    }
    return ""
}

/// Reads a whole file with the C library (no Foundation in this target's assertions).
private func readBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[..<count])
    }
    return bytes
}
