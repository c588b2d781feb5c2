import Testing

@testable import OpenFrameForwarding

/// Issue 14: scrub first, on the raw bytes, then shorten or reformat; no prefix of a secret of 6 or
/// more characters survives.
struct SecretScrubberTests {
    static let key = "Kq7ZpW2mXv9LtR4nB8sY"
    let scrubber = SecretScrubber([Self.key])

    @Test func aRunThatBeginsASecretIsTakenForIt() {
        #expect(scrubber.scrub("cut: \(Self.key.prefix(6)) and more") == "cut: *** and more")
        #expect(scrubber.scrub("cut: \(Self.key.prefix(14))") == "cut: ***")
        // Five characters may be anything; they are kept.
        #expect(scrubber.scrub("short \(Self.key.prefix(5)) x") == "short \(Self.key.prefix(5)) x")
    }

    @Test func aFragmentBeforeACutMarkIsDropped() {
        #expect(scrubber.scrub("AAAA\(Self.key.prefix(3))…") == "AAAA…")
        #expect(scrubber.scrub("AAAA…") == "AAAA…")
    }

    @Test func whitespaceCollapsedAndEscapedFormsAreCaught() {
        let spaced = SecretScrubber(["Jr5Hd  Wq8Nc3Vx6Tb1Zm"])
        #expect(spaced.scrub("saw Jr5Hd Wq8Nc3Vx6Tb1Zm here") == "saw *** here")
        let quoting = SecretScrubber([#"p"a&ss<word/1"#])
        #expect(quoting.scrub(bytes: Array(#"{"m":"p\"a&ss<word\/1"}"#.utf8)) == Array(#"{"m":"***"}"#.utf8))
        #expect(quoting.scrub("<p>p&quot;a&amp;ss&lt;word/1</p>") == "<p>***</p>")
    }

    @Test func rawBodiesAreScrubbedBeforeTheParserShortensThem() {
        let body = Array(
            #"{"error":{"message":"\#(String(repeating: "A", count: 985))\#(Self.key)","detail":null},"status":"failure"}"#.utf8)
        guard
            case .failure(.instance(_, let message, _)) = InstanceResponseParser.parse(
                status: 500, headers: [:], body: scrubber.scrub(bytes: body))
        else {
            Issue.record("expected an instance error")
            return
        }
        #expect(!message.contains(Self.key.prefix(6)))
        #expect(message.hasSuffix("AAA***"))
    }
}
