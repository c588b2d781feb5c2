import JSON

// The E.164 check for openframe phone numbers (userPhoneNumber,
// callbackPhoneNumber). Pure Swift, no JSON, no Foundation: it runs on every
// validation, so it works on the UTF-8 bytes and one 1000-entry lookup array.

/// The outcome of checking one phone number string against E.164.
public enum E164Check: Equatable, Sendable {
    /// E.164, and the number's length is one its country code's plan uses.
    /// `countryCode` is the code's digits ("44"); `country` its short name
    /// ("United Kingdom", "North American Numbering Plan").
    case valid(countryCode: String, country: String)

    /// E.164 in shape, but no such number can exist: the code is spare or
    /// reserved (`countryCode` is nil: no country has it), or the code's plan
    /// never uses national numbers of this length. A warning, not an error.
    case impossible(countryCode: String?, reason: String)

    /// Not E.164: an error. `suggestion` is the E.164 form when formatting is
    /// all that is wrong (spaces, dashes, dots, parentheses, a leading 00
    /// instead of +) and that form has the E.164 shape; otherwise nil. A
    /// suggestion may itself check as `.impossible`.
    case invalid(reason: String, suggestion: String?)
}

/// Checks phone numbers against ITU-T E.164.
///
/// An E.164 number is written `+` then 7 to 15 digits: a country calling code
/// whose first digit is 1-9 (one to three digits; the codes are prefix-free)
/// then the national significant number.
///
/// - The maximum of 15 digits is E.164's own (ITU-T E.164, clause 6).
/// - E.164 sets no minimum. 7 is the shortest real number in the table:
///   4-digit numbers behind 3-digit codes, such as Niue (+683 7012),
///   Tokelau (+690 3101) and Tristan da Cunha (+290 8999). The table drops the
///   few 4-digit service lengths behind 2-digit codes that would go below it.
///
/// Formatting: spaces (including no-break spaces), dashes (ASCII and Unicode
/// hyphens and dashes), dots and parentheses anywhere, and a leading `00`
/// international prefix in place of `+`, make a number `.invalid` with the
/// normalized form as its suggestion. A bare digit string with neither `+`
/// nor `00` gets no suggestion: it may be a national number (US 4089965744
/// would read as +40, Romania), so any guess could be a wrong number.
public enum E164 {
    /// The most digits an E.164 number has, country code included.
    public static let maximumDigits = 15
    /// The fewest digits this check accepts, country code included.
    public static let minimumDigits = 7

    public static func check(_ text: String) -> E164Check {
        if let result = text.utf8.withContiguousStorageIfAvailable({ check(bytes: $0) }) {
            return result
        }
        return Array(text.utf8).withUnsafeBufferPointer { check(bytes: $0) }
    }

    // MARK: - Scanning

    private static let plus = UInt8(ascii: "+")
    private static let zero = UInt8(ascii: "0")

    /// The check on UTF-8 bytes, for callers that have them in place (the validator).
    static func check(utf8 bytes: UnsafeBufferPointer<UInt8>) -> E164Check { check(bytes: bytes) }

    private static func check(bytes: UnsafeBufferPointer<UInt8>) -> E164Check {
        if bytes.isEmpty { return .invalid(reason: "the phone number is empty", suggestion: nil) }

        // One pass: count the digits, keep the first three as a number, and note
        // anything that is not a digit.
        var digitCount = 0
        var prefix = 0  // the first three digits, as a number
        var firstDigit: UInt8 = 0
        var secondDigit: UInt8 = 0
        var plusCount = 0
        var plusAfterDigit = false
        var formatted = false  // saw a separator (space, dash, dot, parenthesis)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let digit = byte &- zero
            if digit < 10 {
                if digitCount < 3 { prefix = prefix &* 10 &+ Int(digit) }
                if digitCount == 0 { firstDigit = byte } else if digitCount == 1 { secondDigit = byte }
                digitCount &+= 1
                index &+= 1
                continue
            }
            if byte == plus {
                plusCount &+= 1
                if digitCount > 0 { plusAfterDigit = true }
                index &+= 1
                continue
            }
            let width = separatorWidth(bytes, at: index)
            if width == 0 { return .invalid(reason: notAllowedReason(bytes, at: index), suggestion: nil) }
            formatted = true
            index &+= width
        }

        if plusCount > 1 || plusAfterDigit {
            return .invalid(reason: "the + may appear only once, before the digits", suggestion: nil)
        }
        if digitCount == 0 {
            return .invalid(reason: "there are no digits in the phone number", suggestion: nil)
        }

        // The common case: "+" then digits only.
        if plusCount == 1 && !formatted && bytes[0] == plus {
            if let reason = shapeProblem(digitCount: digitCount, firstDigit: firstDigit) {
                return .invalid(reason: reason, suggestion: nil)
            }
            return classify(threeDigitPrefix: prefix, digitCount: digitCount)
        }

        // Formatting to undo: separators, and/or 00 in place of +.
        let internationalPrefix = plusCount == 0
        if internationalPrefix && !(firstDigit == zero && secondDigit == zero) {
            return .invalid(
                reason: "an E.164 number starts with + and the country calling code", suggestion: nil)
        }
        var normalized: [UInt8] = [plus]
        normalized.reserveCapacity(digitCount + 1)
        for byte in bytes where byte &- zero < 10 { normalized.append(byte) }
        if internationalPrefix { normalized.removeSubrange(1...2) }
        let normalizedCount = normalized.count - 1
        if let reason = shapeProblem(digitCount: normalizedCount, firstDigit: normalizedCount > 0 ? normalized[1] : 0) {
            return .invalid(reason: reason, suggestion: nil)
        }
        let reason: String
        switch (internationalPrefix, formatted) {
        case (true, true):
            reason = "an E.164 number starts with + rather than 00, and has no spaces, dashes, dots or parentheses"
        case (true, false):
            reason = "an E.164 number starts with + rather than the 00 international prefix"
        default:
            reason = "an E.164 number has no spaces, dashes, dots or parentheses"
        }
        return .invalid(reason: reason, suggestion: String(decoding: normalized, as: UTF8.self))
    }

    /// The byte length of the formatting separator at `index`, or 0 when there is none:
    /// ASCII space, tab, `-`, `.`, `(`, `)`; U+00A0 and U+202F no-break spaces;
    /// U+2010...U+2015 hyphens and dashes; U+2212 minus.
    @inline(__always)
    private static func separatorWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        switch bytes[index] {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "("), UInt8(ascii: ")"):
            return 1
        case 0xC2:
            return index + 1 < bytes.count && bytes[index + 1] == 0xA0 ? 2 : 0
        case 0xE2:
            guard index + 2 < bytes.count else { return 0 }
            let (b1, b2) = (bytes[index + 1], bytes[index + 2])
            if b1 == 0x80 && ((0x90...0x95).contains(b2) || b2 == 0xAF) { return 3 }
            if b1 == 0x88 && b2 == 0x92 { return 3 }
            return 0
        default:
            return 0
        }
    }

    /// Why the character at `index` makes the string not E.164.
    private static func notAllowedReason(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        let rest = String(decoding: UnsafeBufferPointer(rebasing: bytes[index...]), as: UTF8.self)
        let scalar = rest.unicodeScalars.first!
        let shown: String
        if scalar.properties.generalCategory == .decimalNumber {
            shown = "the non-ASCII digit \"\(scalar)\""
        } else if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FFFD}"
            || scalar.properties.isWhitespace
        {
            shown = "the character U+" + hex(scalar.value)
        } else {
            shown = "\"\(scalar)\""
        }
        return "it contains \(shown); an E.164 number is + followed by the digits 0-9 only"
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Why `digitCount` digits starting with `firstDigit` cannot be E.164, or nil.
    private static func shapeProblem(digitCount: Int, firstDigit: UInt8) -> String? {
        if digitCount == 0 { return "there are no digits after the +" }
        if firstDigit == zero { return "country calling codes never start with 0" }
        if digitCount > maximumDigits {
            return "an E.164 number has at most \(maximumDigits) digits; this one has \(digitCount)"
        }
        if digitCount < minimumDigits {
            return "an E.164 number has at least \(minimumDigits) digits; this one has \(digitCount)"
        }
        return nil
    }

    // MARK: - Classifying a well-shaped number

    private static func classify(threeDigitPrefix prefix: Int, digitCount: Int) -> E164Check {
        switch CountryCallingCodes.lookup(threeDigitPrefix: prefix) {
        case .assigned(let entry):
            let nationalLength = digitCount - entry.code.utf8.count
            if entry.lengths.contains(nationalLength) {
                return .valid(countryCode: entry.code, country: entry.name)
            }
            // Bytes, not interpolation: this warning is common, and its text is built once here.
            var reason: [UInt8] = []
            reason.reserveCapacity(entry.nameInSentence.utf8.count + entry.lengthsPhrase.utf8.count + 64)
            reason.append(contentsOf: entry.nameInSentence.utf8)
            reason.append(contentsOf: " (+".utf8)
            reason.append(contentsOf: entry.code.utf8)
            reason.append(contentsOf: ") uses ".utf8)
            reason.append(contentsOf: entry.lengthsPhrase.utf8)
            reason.append(contentsOf: " national numbers; this one has ".utf8)
            JSONWriter.writeInteger(nationalLength, into: &reason)
            return .impossible(countryCode: entry.code, reason: String(decoding: reason, as: UTF8.self))
        case .unassigned(let entry):
            return .impossible(
                countryCode: nil,
                reason: "+\(entry.code) is not an assigned country calling code; ITU-T lists it as \(entry.status)")
        }
    }
}
