/// Replaces known secrets with `***` in text that came from elsewhere (an instance's or a proxy's
/// answer, a libcurl message) before it goes into an error, a progress message or a log line.
/// Our own messages never contain secrets in the first place; this is the second line.
///
/// The rule (protocol.md, "Secrets"): **scrub first, on the raw bytes, then shorten or reformat**, and
/// let no prefix of a secret of `minimumPrefixLength` or more characters survive. Shortening first
/// left the start of a secret cut in half (985 × "A" + an API key showed 14 of its 20 characters);
/// collapsing whitespace first hid a secret with two spaces from an exact match. So:
/// - `scrub(bytes:)` runs on a whole answer body before anything parses, strips or cuts it;
/// - every match also takes any run of `minimumPrefixLength`+ characters that begins a secret (what a
///   cut, ours or a proxy's, leaves of it), and the secret's forms after reformatting: whitespace
///   runs collapsed to one space, and escaped as JSON or HTML would quote it;
/// - a fragment just before a cut mark ("…") that begins a secret is dropped, however short.
struct SecretScrubber: Sendable {
    /// Secrets shorter than this are not scrubbed: replacing every "ab" in a message would
    /// mangle it and reveal more about the secret than it hides.
    static let minimumLength = 4
    /// A run this long that begins a secret is taken for (the start of) the secret.
    static let minimumPrefixLength = 6

    private let secrets: [String]
    /// Every form a secret may take in text, as UTF-8, longest first.
    private let patterns: [[UInt8]]

    init(_ secrets: [String]) {
        let secrets = Array(Set(secrets.filter { $0.count >= Self.minimumLength }))
        self.secrets = secrets
        var forms = Set<[UInt8]>()
        for secret in secrets {
            for form in Self.forms(of: secret) where form.count >= Self.minimumLength { forms.insert(Array(form.utf8)) }
        }
        // Longest first, so a secret that contains another is replaced whole.
        patterns = forms.sorted { $0.count > $1.count }
    }

    /// The secret as it is, with whitespace collapsed (an HTML page as a snippet shows it), and as
    /// JSON and HTML escape it.
    static func forms(of secret: String) -> [String] {
        var collapsed = ""
        var inSpace = false
        for scalar in secret.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 {
                inSpace = true
                continue
            }
            if inSpace, !collapsed.isEmpty { collapsed.append(" ") }
            inSpace = false
            collapsed.unicodeScalars.append(scalar)
        }
        var json = ""
        for scalar in secret.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\t": json += "\\t"
            case "\r": json += "\\r"
            default: json.unicodeScalars.append(scalar)
            }
        }
        let html = secret.replacingEvery("&", with: "&amp;").replacingEvery("<", with: "&lt;").replacingEvery(">", with: "&gt;")
            .replacingEvery("\"", with: "&quot;")
        return [secret, collapsed, json, json.replacingEvery("/", with: "\\/"), html]
    }

    var isEmpty: Bool { patterns.isEmpty }

    func scrub(_ text: String) -> String {
        guard !patterns.isEmpty else { return text }
        let bytes = Array(text.utf8)
        let scrubbed = scrub(bytes: bytes)
        return scrubbed == bytes ? text : String(decoding: scrubbed, as: UTF8.self)
    }

    /// Scrubs raw bytes: an answer's body before it is parsed, stripped or cut.
    func scrub(bytes text: [UInt8]) -> [UInt8] {
        guard !patterns.isEmpty, !text.isEmpty else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var changed = false
        var i = 0
        while i < text.count {
            let matched = longestMatch(in: text, at: i)
            if matched > 0 {
                out.append(contentsOf: redactedSecret.utf8)
                i += matched
                changed = true
                continue
            }
            if text[i] == 0xE2, i + 2 < text.count, text[i + 1] == 0x80, text[i + 2] == 0xA6 {  // "…": a cut mark
                let fragment = fragmentBeginningASecret(endingAt: out.count, in: out)
                if fragment > 0 {
                    out.removeLast(fragment)
                    changed = true
                }
            }
            out.append(text[i])
            i += 1
        }
        return changed ? out : text
    }

    /// The length of the longest secret form, or run of `minimumPrefixLength`+ bytes beginning one,
    /// that starts at `start`; 0 for none.
    private func longestMatch(in text: [UInt8], at start: Int) -> Int {
        var best = 0
        let first = text[start]
        for pattern in patterns where pattern[0] == first && pattern.count > best {
            var length = 0
            let limit = min(pattern.count, text.count - start)
            while length < limit, text[start + length] == pattern[length] { length += 1 }
            if length == pattern.count || length >= Self.minimumPrefixLength { best = max(best, length) }
        }
        return best
    }

    /// The length of the longest tail of `out[..<end]` that begins a secret form (a secret cut short).
    private func fragmentBeginningASecret(endingAt end: Int, in out: [UInt8]) -> Int {
        var best = 0
        for pattern in patterns {
            var length = min(pattern.count - 1, end)
            while length > best {
                if out[(end - length)..<end].elementsEqual(pattern[0..<length]) {
                    best = length
                    break
                }
                length -= 1
            }
        }
        return best
    }

    func scrub(_ error: ForwardingError, extra: [String] = []) -> ForwardingError {
        let scrubber = extra.isEmpty ? self : SecretScrubber(secrets + extra)
        switch error {
        case .instance(let status, let message, let detail):
            return .instance(httpStatus: status, message: scrubber.scrub(message), detail: detail.map(scrubber.scrub))
        case .unreachable(let reason, let mayHaveActed):
            return .unreachable(reason: scrubber.scrub(reason), mayHaveActed: mayHaveActed)
        case .configuration(let message):
            return .configuration(scrubber.scrub(message))
        case .cancelled:
            return .cancelled
        }
    }
}
