/// ServiceNow table and column names: a lowercase letter, then lowercase letters, digits and
/// underscores, at most 80 characters. A name outside that form matches no column, so the
/// platform silently drops the value; that is why a bad name is worth a warning.
public enum ColumnName {
    public static let maxLength = 80

    public static func isValid(_ name: String) -> Bool { isValid(name.utf8) }

    static func isValid(_ utf8: some Collection<UInt8>) -> Bool {
        guard let first = utf8.first, isLower(first), utf8.count <= maxLength else { return false }
        return utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// The name a person most likely meant (`Short Description`, `shortDescription` → `short_description`),
    /// or nil when that form is still not a valid name or is no different.
    public static func suggestion(for name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + 4)
        var previousWasLowerOrDigit = false
        for c in name.utf8 {
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") {
                if previousWasLowerOrDigit { appendUnderscore(&out) }
                out.append(c | 0x20)
                previousWasLowerOrDigit = false
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") {
                appendUnderscore(&out)
                previousWasLowerOrDigit = false
            } else {
                out.append(c)
                previousWasLowerOrDigit = isLower(c) || isDigit(c)
            }
        }
        guard isValid(out) else { return nil }
        let result = String(decoding: out, as: UTF8.self)
        return result == name ? nil : result
    }

    /// The rule, as messages state it.
    static let rule = "a lowercase letter, then lowercase letters, digits and underscores, at most 80 characters"

    private static func appendUnderscore(_ out: inout [UInt8]) {
        if out.last != UInt8(ascii: "_") { out.append(UInt8(ascii: "_")) }
    }

    @inline(__always) static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
