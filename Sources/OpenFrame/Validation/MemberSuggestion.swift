/// Picks the known name an unknown one was probably meant to be.
enum MemberSuggestion {
    /// Case-insensitive equality, or a case-insensitive edit distance small for the names'
    /// length (≤1 from 4 characters, ≤2 from 8), so short names do not match everything.
    static func isClose(_ unknown: String, _ known: String) -> Bool {
        let a = unknown.lowercased(), b = known.lowercased()
        if a == b { return true }
        let length = max(a.unicodeScalars.count, b.unicodeScalars.count)
        let allowed = length >= 8 ? 2 : length >= 4 ? 1 : 0
        return allowed > 0 && EditDistance.between(a, b) <= allowed
    }

    /// The one close name; nil when none is close, or when several are and a guess would mislead.
    static func closest(to unknown: String, among names: [String]) -> String? {
        let close = names.filter { isClose(unknown, $0) }
        return close.count == 1 ? close[0] : nil
    }
}
