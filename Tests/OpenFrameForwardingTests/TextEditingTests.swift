import Testing

@testable import OpenFrameForwarding

/// The stdlib string edits that replaced Foundation's (so forwarding needs only FoundationEssentials).
@Suite("Text edits without Foundation")
struct TextEditingTests {
    @Test("replacingEvery replaces every non-overlapping occurrence, left to right, byte for byte")
    func replacingEvery() {
        #expect("a&amp;b&amp;".replacingEvery("&amp;", with: "&") == "a&b&")
        #expect("aaaa".replacingEvery("aa", with: "b") == "bb")
        #expect("aaa".replacingEvery("aa", with: "b") == "ba")
        #expect("x".replacingEvery("", with: "y") == "x")
        #expect("secret-é-secret".replacingEvery("secret", with: "***") == "***-é-***")
        // No Unicode equivalence: a precomposed é does not match e + combining acute.
        #expect("e\u{301}".replacingEvery("é", with: "E") == "e\u{301}")
    }

    @Test("firstRange finds the first occurrence, ASCII case folded when asked")
    func firstRange() {
        let text = "<p>x</SCRIPT> y </script>"
        let range = text.firstRange(of: "</script", asciiCaseInsensitive: true)
        #expect(range.map { String(text[$0]) } == "</SCRIPT")
        #expect(text.firstRange(of: "</script").map { text.distance(from: text.startIndex, to: $0.lowerBound) } == 16)
        #expect(text.firstRange(of: "-->") == nil)
        #expect(text[text.index(text.startIndex, offsetBy: 3)...].firstRange(of: "x") != nil)
    }

    @Test("trimmingWhiteSpace: blanks and line breaks, or blanks only")
    func trimming() {
        #expect("  \t dev1234\r\n ".trimmingWhiteSpace() == "dev1234")
        #expect(" 120 \t".trimmingWhiteSpace(newlines: false) == "120")
        #expect("\n120\n".trimmingWhiteSpace(newlines: false) == "\n120\n")
        #expect(" \n ".trimmingWhiteSpace() == "")
    }

    @Test("the sandbox file's directory, as NSString's deletingLastPathComponent gave it")
    func parentDirectory() {
        #expect(SandboxJournal.parentDirectory(of: "/tmp/a/records.jsonl") == "/tmp/a")
        #expect(SandboxJournal.parentDirectory(of: "records.jsonl") == "")
        #expect(SandboxJournal.parentDirectory(of: "/records.jsonl") == "/")
        #expect(SandboxJournal.parentDirectory(of: "dir/sub/") == "dir")
    }
}
