import JSON
import Testing

@testable import OpenFrameServer

/// The lenient reading of half-typed text that hover and completion stand on.
struct CursorContextTests {
    /// The context at the `|` of `marked`.
    func context(_ marked: String, _ purpose: CursorContext.Purpose = .completion) -> CursorContext {
        let offset = marked.utf8.firstIndex(of: UInt8(ascii: "|")).map { marked.utf8.distance(from: marked.utf8.startIndex, to: $0) }!
        let text = Array(marked.replacingOccurrences(of: "|", with: "").utf8)
        return CursorContext.at(offset, in: text, purpose: purpose)
    }

    @Test func keysValuesAndSlots() {
        let key = context(#"{"interaction": {"user|Phone": 1}}"#)
        #expect(key.container == "/interaction")
        #expect(key.place == .key(name: "userPhone", span: SourceSpan(start: 17, end: 28), quoted: true))
        #expect(key.containerIsObject)
        #expect(context(#"{"interaction": {"a": |}}"#).place == .other)
        #expect(context(#"{"interaction": {"a": 1,| }}"#).place == .memberSlot)
        #expect(context(#"{"interaction"|: {}}"#).place == .other)
        #expect(context(#"{"interaction" |: {}}"#).place == .other)
        #expect(context(#"{"a": "b|c"}"#).place == .other)
    }

    @Test func presentKeysIncludeThoseAfterTheCursorButNotTheOneUnderIt() {
        let context = context(#"{"a": 1, "b|": 2, "c": {"d": 1}, "e": [1, {"f": 2}]}"#)
        #expect(context.presentKeys == ["a", "c", "e"])
        #expect(context.container == "")
    }

    @Test func arraysCountTheirElements() {
        let context = context(#"{"phoneLogs": [{"a": 1}, {}, {"call_id": 1, |}]}"#)
        #expect(context.container == "/phoneLogs/2")
        #expect(context.presentKeys == ["call_id"])
        #expect(context.place == .memberSlot)
    }

    @Test func unterminatedStringsEndAtTheLineEnd() {
        let context = context("{\n  \"interaction\": {\n    \"us|\n  \"x\": 1")
        #expect(context.container == "/interaction")
        #expect(context.place == .key(name: "us", span: SourceSpan(start: 25, end: 28), quoted: true))
        #expect(context.presentKeys == ["x"])
    }

    @Test func hoverIncludesTheOpeningQuoteButNotWhatFollows() {
        #expect(context(#"{|"a": 1}"#, .hover).place == .key(name: "a", span: SourceSpan(start: 1, end: 4), quoted: true))
        #expect(context(#"{"a|": 1}"#, .hover).place == .key(name: "a", span: SourceSpan(start: 1, end: 4), quoted: true))
        #expect(context(#"{"a"|: 1}"#, .hover).place == .other)
        // Completion at the opening quote inserts before the string rather than editing it.
        #expect(context(#"{|"a": 1}"#).place == .memberSlot)
    }

    @Test func escapesInNames() {
        #expect(context(#"{"a\"b|": 1}"#).place == .key(name: "a\"b", span: SourceSpan(start: 1, end: 7), quoted: true))
        #expect(context(#"{"a\|"#).place == .key(name: "a\\", span: SourceSpan(start: 1, end: 4), quoted: true))
    }

    @Test func strayClosersAndGarbageDoNotDerail() {
        #expect(context("}]{\"a\": 1, |").place == .memberSlot)
        #expect(context("|").place == .other)
        #expect(CursorContext.at(0, in: [], purpose: .hover).container == "")
        #expect(context(#"{"a": tru|"#).place == .other)
        #expect(context(#"{"x": [1, 2,, ]] , "a|"#).place == .key(name: "a", span: SourceSpan(start: 19, end: 21), quoted: true))
        // A brace closes the object even when the array inside was left open.
        #expect(context(#"{"x": {"a": [1, 2}, "b": {"c": 1, |"#).container == "/b")
        #expect(context(#"{"x": {"a": [1, 2}, "b": {"c": 1, |"#).presentKeys == ["c"])
        #expect(context(#"{"a": [{"x": 1], |"#).container == "")
    }

    @Test func aByteOrderMarkIsSkipped() {
        let text: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a": 1, "b"}"#.utf8)
        let context = CursorContext.at(13, in: text, purpose: .completion)
        #expect(context.place == .key(name: "b", span: SourceSpan(start: 12, end: 15), quoted: true))
        #expect(context.presentKeys == ["a"])
    }
}

struct DocumentURITests {
    @Test(arguments: [
        ("file:///home/me/call.update.json", "call.update.json"),
        ("file:///C%3A/calls/a%20b.update.json", "a b.update.json"),
        ("untitled:Untitled-1", "Untitled-1"),
        ("file:///p/x.json?version=2#top", "x.json"),
        ("vscode-vfs://github/org/repo/p.create.json", "p.create.json"),
        ("file:///p/dir/", "dir"),
        ("not a uri", "not a uri"),
        ("file:///p/%C3%A9t%C3%A9.json", "été.json"),
        ("file:///p/100%.json", "100%.json"),  // not a percent escape: kept as written
        ("file:///p/%ZZ.json", "%ZZ.json"),
        ("file:///p/%FF.json", "%FF.json"),  // decodes to bytes that are not UTF-8: kept
    ])
    func lastPathComponent(_ uri: String, _ name: String) {
        #expect(DocumentURI.lastPathComponent(uri) == name)
    }

    @Test func operationByName() {
        #expect(DocumentURI.operation(of: "file:///p/a.update.json") == .update)
        #expect(DocumentURI.operation(of: "file:///p/a.UPDATE.JSON") == .update)
        #expect(DocumentURI.operation(of: "file:///p.update.json/a.json") == .create)
        #expect(DocumentURI.operation(of: "untitled:Untitled-1") == .create)
    }
}
