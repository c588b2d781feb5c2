/// The ServiceNow date-time form `yyyy-MM-dd HH:mm:ss`. The platform reads it in the instance's
/// or the user's time zone, so a value from another zone must be converted, never just reformatted.
public enum PlatformDateTime {
    /// A date-time written as ISO 8601, read for the purpose of suggesting the platform form.
    public enum ISO8601Reading: Sendable, Equatable {
        /// No offset: the same wall-clock time in the platform form.
        case local(String)
        /// `Z` or a zero offset: the platform form, correct only where the platform's zone is UTC.
        case utc(String)
        /// Any other offset: needs a real time-zone conversion, so no suggestion.
        case offset
    }

    public static func isValid(_ text: String) -> Bool { isValid(text.utf8) }

    static func isValid(_ utf8: some Collection<UInt8>) -> Bool {
        guard utf8.count == 19 else { return false }
        let space = UInt8(ascii: " ")
        return utf8.withContiguousStorageIfAvailable { isDateTime($0, separator: space) }
            ?? Array(utf8).withUnsafeBufferPointer { isDateTime($0, separator: space) }
    }

    /// Reads `yyyy-MM-ddTHH:mm:ss[.fraction][Z|±hh:mm|±hhmm]`; nil when the text is not that.
    /// A fraction of a second is dropped: the platform form has none.
    public static func readISO8601(_ text: String) -> ISO8601Reading? {
        let c = Array(text.utf8)
        guard c.count >= 19, c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: "t"),
            c.withUnsafeBufferPointer({ isDateTime(UnsafeBufferPointer(rebasing: $0[0..<19]), separator: c[10]) })
        else { return nil }
        var i = 19
        if i < c.count, c[i] == UInt8(ascii: ".") || c[i] == UInt8(ascii: ",") {
            i += 1
            let digitsStart = i
            while i < c.count, ColumnName.isDigit(c[i]) { i += 1 }
            guard i > digitsStart else { return nil }
        }
        var platform = Array(c[0..<19])
        platform[10] = UInt8(ascii: " ")
        let form = String(decoding: platform, as: UTF8.self)
        let zone = Array(c[i...])
        if zone.isEmpty { return .local(form) }
        if zone == [UInt8(ascii: "Z")] || zone == [UInt8(ascii: "z")] { return .utc(form) }
        guard zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-") else { return nil }
        var digits = Array(zone.dropFirst())
        if digits.count == 5, digits[2] == UInt8(ascii: ":") { digits.remove(at: 2) }
        guard digits.count == 4, digits.allSatisfy(ColumnName.isDigit) else { return nil }
        let (hours, minutes) = digits.withUnsafeBufferPointer { (number($0, 0, 2), number($0, 2, 2)) }
        guard hours <= 23, minutes <= 59 else { return nil }
        return hours == 0 && minutes == 0 ? .utc(form) : .offset
    }

    /// `yyyy-MM-dd?HH:mm:ss` (19 bytes, `?` = separator) with calendar and clock ranges.
    private static func isDateTime(_ c: UnsafeBufferPointer<UInt8>, separator: UInt8) -> Bool {
        guard c.count == 19, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == separator,
            c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":")
        else { return false }
        for i in 0..<19 where i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && !ColumnName.isDigit(c[i]) {
            return false
        }
        let year = number(c, 0, 4), month = number(c, 5, 2), day = number(c, 8, 2)
        return (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year)
            && number(c, 11, 2) <= 23 && number(c, 14, 2) <= 59 && number(c, 17, 2) <= 59
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func number(_ c: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int {
        var value = 0
        for i in start..<(start + length) { value = value * 10 + Int(c[i] - UInt8(ascii: "0")) }
        return value
    }
}
