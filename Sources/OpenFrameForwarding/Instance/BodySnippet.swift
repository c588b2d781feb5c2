/// A short, printable excerpt of a body that is not ServiceNow's (a proxy's HTML page,
/// plain text, garbage): tags, scripts and styles removed, common entities decoded,
/// control characters and runs of whitespace collapsed to one space, cut to `limit`
/// characters with "…". Never fails, whatever the bytes.
enum BodySnippet {
    static let defaultLimit = 200

    static func make(_ body: [UInt8], limit: Int = defaultLimit) -> String {
        guard !body.isEmpty else { return "(empty body)" }
        // Look at a bounded prefix only: a 50 MB page must not cost 50 MB of work.
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        var stripped = stripTags(text)
        stripped = decodeEntities(stripped)
        var out = ""
        var pendingSpace = false
        for scalar in stripped.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{FFFD}" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.unicodeScalars.append(scalar)
        }
        if out.isEmpty { return "(no readable text)" }
        if out.count > limit { return String(out.prefix(limit - 1)) + "…" }
        return out
    }

    /// Removes `<…>` tags, `<!-- … -->` comments and the contents of script/style elements.
    private static func stripTags(_ text: String) -> String {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "<" else {
                out.append(character)
                index = text.index(after: index)
                continue
            }
            let rest = text[index...]
            if rest.hasPrefix("<!--") {
                index = rest.firstRange(of: "-->").map(\.upperBound) ?? text.endIndex
                out.append(" ")
                continue
            }
            let lowered = rest.prefix(8).lowercased()
            for block in ["script", "style"] where lowered.hasPrefix("<" + block) {
                if let close = rest.firstRange(of: "</" + block, asciiCaseInsensitive: true) {
                    index = close.lowerBound
                } else {
                    index = text.endIndex
                }
            }
            guard index < text.endIndex else { break }
            if let end = text[index...].firstIndex(of: ">") {
                index = text.index(after: end)
            } else {
                index = text.endIndex
            }
            out.append(" ")
        }
        return out
    }

    private static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named = ["&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&apos;": "'", "&nbsp;": " "]
        var out = text
        for (entity, replacement) in named where entity != "&amp;" {
            out = out.replacingEvery(entity, with: replacement)
        }
        return out.replacingEvery("&amp;", with: "&")
    }
}
