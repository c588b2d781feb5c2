import JSON
import Testing

@testable import OpenFrame

struct TrailTests {
    @Test func buildsThePointerFromKeySpansAndIndices() throws {
        let text = #"{"a/b": [{"\u0063~d": 1}]}"#
        let document = try JSONParser.parse(text)
        let outer = try #require(document.root.members.first { _ in true })
        let inner = try #require(outer.value.elements.first { _ in true }?.members.first { _ in true })
        let trail = Trail().key(outer.keyNode.span).index(0).key(inner.keyNode.span)
        let pointer = document.bytes.withUnsafeBufferPointer { trail.pointer(in: $0) }
        #expect(pointer.tokens == ["a/b", "0", "c~d"])
        #expect(pointer.description == "/a~1b/0/c~0d")
        #expect(trail.depth == 3)
    }

    @Test func theSchemaFitsInATrail() {
        func depth(_ spec: MemberSpec) -> Int {
            1 + (spec.children.map(depth) + [spec.element.map(depth) ?? 0]).max()!
        }
        // The root adds no step, and a diagnostic may add one key below the deepest value.
        #expect(depth(PayloadSchema.root) - 1 + 1 <= Trail.capacity)
    }

    @Test func escapedKeysStillMatchTheSchema() {
        let report = validate(#"{"\u0069nteraction": {"userPhoneNumber": "+14089965744", "clientSession\u0049d": 3}}"#)
        #expect(report.diagnostics.map(\.code) == [.wrongType])
        #expect(report.diagnostics.first?.path == "/interaction/clientSessionId")
    }

    @Test func escapedDuplicateRecordsAreStillDuplicates() {
        let report = validate(
            #"{"interaction": {"userPhoneNumber": "+14089965744"}, "relatedRecords": ["#
                + #"{"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}, "#
                + #"{"documentTable": "sys\u005fuser", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}]}"#)
        #expect(report.diagnostics.map(\.code) == [.duplicateRelatedRecord])
        #expect(report.diagnostics.first?.message.contains("(sys_user 62826bf03710200044e0bfc8bcbe5df1)") == true)
    }
}
