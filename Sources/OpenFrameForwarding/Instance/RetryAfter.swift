#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
public enum RetryAfter {
    /// Seconds to wait from `now`, or nil when the value is neither form. A date in the past
    /// means 0. The caller caps the result.
    public static func seconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingWhiteSpace(newlines: false)
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Very long digit strings are still "a long time", not garbage.
            return Double(text.count > 15 ? "999999999999999" : text)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime
/// forms a recipient must also accept. Parsed by hand: no locale, no DateFormatter.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let shortDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    public static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map { $0.lowercased() }
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        if parts.count == 6, parts[0].hasSuffix(","), shortDays.contains(String(parts[0].dropLast())), parts[5] == "gmt",
            let day = number(parts[1], digits: 2), let month = months.firstIndex(of: parts[2]),
            let year = number(parts[3], digits: 4), let time = clock(parts[4])
        {
            return make(year: year, month: month + 1, day: day, time: time)
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        if parts.count == 4, parts[0].hasSuffix(","), longDays.contains(String(parts[0].dropLast())), parts[3] == "gmt" {
            let date = parts[1].split(separator: "-").map(String.init)
            if date.count == 3, let day = number(date[0], digits: 2), let month = months.firstIndex(of: date[1]),
                let yy = number(date[2], digits: 2), let time = clock(parts[2])
            {
                // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
                let year = yy + (yy < 70 ? 2000 : 1900)
                return make(year: year, month: month + 1, day: day, time: time)
            }
        }
        // asctime: Sun Nov  6 08:49:37 1994
        if parts.count == 5, shortDays.contains(parts[0]), let month = months.firstIndex(of: parts[1]),
            let day = number(parts[2], digits: 1...2), let time = clock(parts[3]), let year = number(parts[4], digits: 4)
        {
            return make(year: year, month: month + 1, day: day, time: time)
        }
        return nil
    }

    private static func number(_ text: String, digits: Int) -> Int? { number(text, digits: digits...digits) }

    private static func number(_ text: String, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private static func clock(_ text: String) -> (Int, Int, Int)? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3, let h = number(fields[0], digits: 2), let m = number(fields[1], digits: 2),
            let s = number(fields[2], digits: 2), h < 24, m < 60, s <= 60
        else { return nil }
        return (h, m, s)
    }

    private static func make(year: Int, month: Int, day: Int, time: (Int, Int, Int)) -> Date? {
        let monthLengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= monthLengths[month - 1] else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + time.0 * 3600 + time.1 * 60 + time.2
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
