import JSON

/// The source line under a diagnostic with the range underlined, as rustc and clang print it:
///
///     3 |     "userPhoneNumber": "+1303506536",
///       |                        ^~~~~~~~~~~~~
///
/// Columns are laid out in characters (a tab stays a tab, so the underline lines up); a range running
/// past its line is underlined to the line's end; a long line is cut to a window around the range.
struct SourceExcerpt {
    /// Characters shown before the range's start, and in all, on a long line.
    static let leading = 40, width = 120

    let lineNumber: Int
    let text: String
    /// Spaces and tabs up to the range, then `^~~~`.
    let underline: String

    init(_ span: SourceSpan, in lines: LineIndex) {
        let line = lines.line(of: span.start)
        let lineStart = lines.lineStarts[line]
        var lineEnd = line + 1 < lines.lineStarts.count ? lines.lineStarts[line + 1] : lines.bytes.count
        while lineEnd > lineStart, lines.bytes[lineEnd - 1] == 0x0A || lines.bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let start = min(max(span.start, lineStart), lineEnd)
        let end = min(max(span.end, start), lineEnd)
        var before = Array(String(decoding: lines.bytes[lineStart..<start], as: UTF8.self))
        var inside = Array(String(decoding: lines.bytes[start..<end], as: UTF8.self))
        var after = Array(String(decoding: lines.bytes[end..<lineEnd], as: UTF8.self))
        var prefix = "", suffix = ""
        if before.count + inside.count + after.count > Self.width {
            if before.count > Self.leading {
                before = Array(before.suffix(Self.leading))
                prefix = "…"
            }
            let room = max(Self.width - before.count, 1)
            if inside.count > room {
                inside = Array(inside.prefix(room))
                after = []
                suffix = "…"
            } else if inside.count + after.count > room {
                after = Array(after.prefix(room - inside.count))
                suffix = "…"
            }
        }
        lineNumber = line + 1
        text = prefix + String(before + inside + after).map(Self.printable).joined() + suffix
        let pad = (prefix.isEmpty ? "" : " ") + before.map { $0 == "\t" ? "\t" : " " }.joined()
        underline = pad + "^" + String(repeating: "~", count: max(inside.count - 1, 0))
    }

    /// Control characters would move the cursor; they are shown as U+FFFD, one column like the original.
    private static func printable(_ character: Character) -> String {
        guard character != "\t", let scalar = character.unicodeScalars.first, scalar.value < 0x20 || scalar.value == 0x7F else {
            return String(character)
        }
        return "\u{FFFD}"
    }
}
