/// The few string edits forwarding needs, in the standard library only: Foundation's
/// `replacingOccurrences`, `range(of:options:)` and `trimmingCharacters` live outside
/// FoundationEssentials, and importing Foundation for them would map it (and ICU) at start.
/// Matching is on UTF-8 bytes, exact (no Unicode equivalence): a match of valid UTF-8 always
/// starts and ends on scalar boundaries.
extension StringProtocol {
    /// Every non-overlapping occurrence of `target`, left to right, replaced.
    func replacingEvery(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return String(self) }
        let hay = Array(utf8)
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var index = 0
        while index < hay.count {
            if hay[index] == needle[0], index + needle.count <= hay.count, hay[index..<index + needle.count].elementsEqual(needle) {
                out += replacement.utf8
                index += needle.count
            } else {
                out.append(hay[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first occurrence of `target`, ASCII letters compared without case when asked.
    func firstRange(of target: String, asciiCaseInsensitive: Bool = false) -> Range<Index>? {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return nil }
        func fold(_ byte: UInt8) -> UInt8 { asciiCaseInsensitive && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        var start = utf8.startIndex
        while start != utf8.endIndex {
            var probe = start
            var matched = 0
            while matched < needle.count, probe != utf8.endIndex, fold(utf8[probe]) == fold(needle[matched]) {
                matched += 1
                probe = utf8.index(after: probe)
            }
            if matched == needle.count { return start..<probe }
            start = utf8.index(after: start)
        }
        return nil
    }

    /// Without leading and trailing white space; `newlines: false` keeps line breaks
    /// (as CharacterSet.whitespaces did).
    func trimmingWhiteSpace(newlines: Bool = true) -> String {
        func blank(_ c: Character) -> Bool { c.isWhitespace && (newlines || !c.isNewline) }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
