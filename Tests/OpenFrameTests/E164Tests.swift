import Testing

@testable import OpenFrame

// MARK: - Valid numbers

struct ValidCase: CustomTestStringConvertible, Sendable {
    let number: String
    let code: String
    let country: String
    var testDescription: String { number }
}

@Test(
    "valid numbers from several plans",
    arguments: [
        ValidCase(number: "+14089965744", code: "1", country: "North American Numbering Plan"),  // US
        ValidCase(number: "+16135550123", code: "1", country: "North American Numbering Plan"),  // Canada
        ValidCase(number: "+442079460958", code: "44", country: "United Kingdom"),  // London
        ValidCase(number: "+447700900123", code: "44", country: "United Kingdom"),  // UK mobile
        ValidCase(number: "+448001111", code: "44", country: "United Kingdom"),  // 7-digit 0800
        ValidCase(number: "+4930123456", code: "49", country: "Germany"),  // Berlin
        ValidCase(number: "+4915123456789", code: "49", country: "Germany"),  // DE mobile
        ValidCase(number: "+33123456789", code: "33", country: "France"),
        ValidCase(number: "+919876543210", code: "91", country: "India"),
        ValidCase(number: "+81312345678", code: "81", country: "Japan"),  // Tokyo
        ValidCase(number: "+819012345678", code: "81", country: "Japan"),  // JP mobile
        ValidCase(number: "+5511912345678", code: "55", country: "Brazil"),  // Sao Paulo mobile
        ValidCase(number: "+551123456789", code: "55", country: "Brazil"),  // Sao Paulo fixed
        ValidCase(number: "+61212345678", code: "61", country: "Australia"),
        ValidCase(number: "+61412345678", code: "61", country: "Australia"),
        ValidCase(number: "+80012345678", code: "800", country: "International Freephone Service"),
        ValidCase(number: "+74951234567", code: "7", country: "Russia and Kazakhstan"),
        ValidCase(number: "+6837012", code: "683", country: "Niue"),  // 7 digits in all
        ValidCase(number: "+8816123456789", code: "881", country: "Global Mobile Satellite System"),
        ValidCase(number: "+2250712345678", code: "225", country: "Cote d'Ivoire"),
    ])
func validNumbers(_ c: ValidCase) {
    #expect(E164.check(c.number) == .valid(countryCode: c.code, country: c.country))
}

// MARK: - Invalid forms

struct InvalidCase: CustomTestStringConvertible, Sendable {
    let input: String
    /// A fragment the reason must contain.
    let reason: String
    let suggestion: String?
    var testDescription: String { "\"\(input)\"" }
}

@Test(
    "invalid forms, with their reason and suggestion",
    arguments: [
        // Formatting only: a suggestion.
        InvalidCase(input: "+1 (408) 996-5744", reason: "no spaces, dashes, dots or parentheses", suggestion: "+14089965744"),
        InvalidCase(input: "+44 20 7946 0958", reason: "no spaces, dashes, dots or parentheses", suggestion: "+442079460958"),
        InvalidCase(input: "+49.30.123456", reason: "no spaces", suggestion: "+4930123456"),
        InvalidCase(input: "(+44) 20 7946 0958", reason: "no spaces", suggestion: "+442079460958"),
        InvalidCase(input: " +14089965744 ", reason: "no spaces", suggestion: "+14089965744"),
        InvalidCase(input: "+1\u{A0}408\u{2013}996\u{2013}5744", reason: "no spaces", suggestion: "+14089965744"),
        InvalidCase(input: "00442079460958", reason: "rather than the 00 international prefix", suggestion: "+442079460958"),
        InvalidCase(input: "0044 20 7946 0958", reason: "rather than 00", suggestion: "+442079460958"),
        // A suggestion may be shape-valid yet impossible (+1 with 9 digits).
        InvalidCase(input: "+1 303 506 536", reason: "no spaces", suggestion: "+1303506536"),
        // Empty, no digits.
        InvalidCase(input: "", reason: "empty", suggestion: nil),
        InvalidCase(input: "   ", reason: "no digits", suggestion: nil),
        InvalidCase(input: "+", reason: "no digits", suggestion: nil),
        InvalidCase(input: "00", reason: "no digits", suggestion: nil),
        // No leading +: no guess, it may be a national number.
        InvalidCase(input: "14089965744", reason: "starts with +", suggestion: nil),
        InvalidCase(input: "4089965744", reason: "starts with +", suggestion: nil),
        InvalidCase(input: "020 7946 0958", reason: "starts with +", suggestion: nil),
        // Misplaced or repeated +.
        InvalidCase(input: "++14089965744", reason: "only once", suggestion: nil),
        InvalidCase(input: "1+4089965744", reason: "only once", suggestion: nil),
        InvalidCase(input: "+1408996+5744", reason: "only once", suggestion: nil),
        // Non-digits.
        InvalidCase(input: "+1408996574a", reason: "\"a\"", suggestion: nil),
        InvalidCase(input: "+1 408 996 5744 ext 12", reason: "\"e\"", suggestion: nil),
        InvalidCase(input: "tel:+14089965744", reason: "\"t\"", suggestion: nil),
        InvalidCase(input: "+1/408/996/5744", reason: "\"/\"", suggestion: nil),
        InvalidCase(input: "+14089965744\n", reason: "U+000A", suggestion: nil),
        InvalidCase(input: "+\u{0664}\u{0664}2079460958", reason: "non-ASCII digit", suggestion: nil),
        InvalidCase(input: "+\u{FF11}4089965744", reason: "non-ASCII digit", suggestion: nil),
        // First digit 0.
        InvalidCase(input: "+0442079460958", reason: "never start with 0", suggestion: nil),
        InvalidCase(input: "+00442079460958", reason: "never start with 0", suggestion: nil),
        InvalidCase(input: "000442079460958", reason: "never start with 0", suggestion: nil),
        // Too many digits (16), also when only formatting hides it.
        InvalidCase(input: "+4930123456789012", reason: "at most 15 digits; this one has 16", suggestion: nil),
        InvalidCase(input: "+49 30 1234 5678 9012", reason: "at most 15 digits; this one has 16", suggestion: nil),
        InvalidCase(input: "0049301234567890123", reason: "at most 15 digits; this one has 17", suggestion: nil),
        // Too few digits.
        InvalidCase(input: "+12345", reason: "at least 7 digits; this one has 5", suggestion: nil),
        InvalidCase(input: "+683701", reason: "at least 7 digits; this one has 6", suggestion: nil),
        InvalidCase(input: "+1 234 56", reason: "at least 7 digits", suggestion: nil),
    ])
func invalidForms(_ c: InvalidCase) {
    guard case let .invalid(reason, suggestion) = E164.check(c.input) else {
        Issue.record("expected .invalid, got \(E164.check(c.input))")
        return
    }
    #expect(reason.contains(c.reason), "reason: \(reason)")
    #expect(suggestion == c.suggestion)
}

@Test("a suggestion always has the E.164 shape")
func suggestionsAreWellShaped() {
    let inputs = ["+1 (408) 996-5744", "0044 20 7946 0958", "+1 303 506 536", "(+800) 1234-5678", "00 280 123 4567"]
    for input in inputs {
        guard case let .invalid(_, suggestion?) = E164.check(input) else {
            Issue.record("expected a suggestion for \(input)")
            continue
        }
        if case .invalid = E164.check(suggestion) { Issue.record("suggestion \(suggestion) is itself invalid") }
    }
}

// MARK: - Impossible numbers

@Test("the reference's +1303506536 is impossible: NANP uses 10 digits")
func referenceExampleIsImpossible() {
    #expect(
        E164.check("+1303506536")
            == .impossible(
                countryCode: "1",
                reason: "the North American Numbering Plan (+1) uses 10-digit national numbers; this one has 9"))
}

@Test("lengths a plan never uses are impossible, with the plan's lengths in the reason")
func wrongLengthsAreImpossible() {
    #expect(
        E164.check("+4420794609")
            == .impossible(
                countryCode: "44", reason: "the United Kingdom (+44) uses 7-, 9- or 10-digit national numbers; this one has 8"))
    #expect(
        E164.check("+331234567890")
            == .impossible(
                countryCode: "33", reason: "France (+33) uses 9-digit national numbers; this one has 10"))
    #expect(
        E164.check("+140899657441")
            == .impossible(
                countryCode: "1", reason: "the North American Numbering Plan (+1) uses 10-digit national numbers; this one has 11"))
    #expect(
        E164.check("+8001234567")
            == .impossible(
                countryCode: "800", reason: "the International Freephone Service (+800) uses 8-digit national numbers; this one has 7"))
    #expect(
        E164.check("+6112345678901")
            == .impossible(
                countryCode: "61", reason: "Australia (+61) uses 5- to 10- or 12-digit national numbers; this one has 11"))
}

@Test(
    "unassigned codes are impossible, with the ITU status",
    arguments: [
        ("+2801234567", "+280 is not an assigned country calling code; ITU-T lists it as a spare code"),
        ("+2101234567", "+210 is not an assigned country calling code; ITU-T lists it as a spare code"),
        ("+6711234567", "+671 is not an assigned country calling code; ITU-T lists it as a spare code"),
        (
            "+8751234567",
            "+875 is not an assigned country calling code; ITU-T lists it as reserved for maritime mobile service applications"
        ),
        ("+9991234567", "+999 is not an assigned country calling code; ITU-T lists it as reserved for a future global service"),
    ])
func unassignedCodesAreImpossible(_ number: String, _ reason: String) {
    #expect(E164.check(number) == .impossible(countryCode: nil, reason: reason))
}

@Test(
    "every spare or reserved code the brief names is unassigned",
    arguments: [
        "210", "214", "215", "217", "219", "259", "280", "289", "292", "296", "384", "422", "429", "671", "684",
        "693", "699", "801", "807", "809", "830", "839", "851", "854", "857", "858", "859", "871", "874", "875",
        "879", "884", "885", "887", "889", "890", "899", "969", "978", "990", "997", "999",
    ])
func namedSpareCodesAreUnassigned(_ code: String) {
    guard case let .impossible(countryCode, reason) = E164.check("+" + code + "1234567") else {
        Issue.record("+\(code) should be unassigned")
        return
    }
    #expect(countryCode == nil)
    #expect(reason.hasPrefix("+\(code) is not an assigned country calling code"))
}

// MARK: - Boundaries

@Test("15 digits in all is the maximum")
func fifteenDigitBoundary() {
    #expect(E164.check("+493012345678901") == .valid(countryCode: "49", country: "Germany"))  // 15
    #expect(
        E164.check("+78108123456789")
            == .impossible(
                countryCode: "7", reason: "Russia and Kazakhstan (+7) uses 10- or 14-digit national numbers; this one has 13"))
    #expect(E164.check("+781081234567890") == .valid(countryCode: "7", country: "Russia and Kazakhstan"))  // 15
    #expect(
        E164.check("+4930123456789012")
            == .invalid(
                reason: "an E.164 number has at most 15 digits; this one has 16", suggestion: nil))  // 16
    #expect(
        E164.check("+7810812345678901")
            == .invalid(
                reason: "an E.164 number has at most 15 digits; this one has 16", suggestion: nil))  // 16
}

@Test("7 digits in all is the minimum")
func sevenDigitBoundary() {
    #expect(E164.check("+6903101") == .valid(countryCode: "690", country: "Tokelau"))  // 7
    #expect(E164.check("+2908999") == .valid(countryCode: "290", country: "Saint Helena and Tristan da Cunha"))
    #expect(
        E164.check("+690310")
            == .invalid(
                reason: "an E.164 number has at least 7 digits; this one has 6", suggestion: nil))  // 6
}

@Test("each assigned code accepts exactly its plan's lengths")
func everyCodeAcceptsExactlyItsLengths() {
    for entry in CountryCallingCodes.assigned {
        let codeLength = entry.code.count
        for nationalLength in max(1, E164.minimumDigits - codeLength)...(E164.maximumDigits - codeLength) {
            let number = "+" + entry.code + String(repeating: "5", count: nationalLength)
            let result = E164.check(number)
            if entry.lengths.contains(nationalLength) {
                #expect(result == .valid(countryCode: entry.code, country: entry.name), "\(number)")
            } else {
                guard case let .impossible(code, reason) = result else {
                    Issue.record("\(number): expected .impossible, got \(result)")
                    continue
                }
                #expect(code == entry.code)
                #expect(reason.hasSuffix("this one has \(nationalLength)"), "\(reason)")
            }
        }
    }
}

// MARK: - Table integrity

@Test("assigned codes are unique, 1-3 digits, first digit 1-9, with sane names and lengths")
func assignedTableIsWellFormed() {
    let assigned = CountryCallingCodes.assigned
    #expect(assigned.count > 200)
    #expect(Set(assigned.map(\.code)).count == assigned.count, "duplicate codes")
    for entry in assigned {
        #expect(CountryCallingCodes.isCode(entry.code), "\(entry.code)")
        #expect(!entry.name.isEmpty && !entry.name.hasPrefix("the "), "\(entry.code)")
        let lengths = entry.lengths.sorted
        #expect(!lengths.isEmpty, "\(entry.code) has no lengths")
        #expect(lengths.allSatisfy { (1...14).contains($0) }, "\(entry.code): \(lengths)")
        // Consistent with the shape check: every listed length is reachable.
        #expect(entry.code.count + lengths.max()! <= E164.maximumDigits, "\(entry.code): \(lengths)")
        #expect(entry.code.count + lengths.min()! >= E164.minimumDigits, "\(entry.code): \(lengths)")
    }
}

@Test("codes are prefix-free, and assigned plus unassigned cover every 3-digit prefix exactly once")
func codesPartitionTheCodeSpace() {
    let codes = CountryCallingCodes.assigned.map(\.code) + CountryCallingCodes.unassigned.map(\.code)
    #expect(Set(codes).count == codes.count, "a code is listed twice")
    for a in codes {
        for b in codes where a != b {
            #expect(!b.hasPrefix(a), "\(a) is a prefix of \(b)")
        }
    }
    for prefix in 100...999 {
        let text = String(prefix)
        let covering = codes.filter { text.hasPrefix($0) }
        #expect(covering.count == 1, "\(prefix) is covered by \(covering)")
        #expect(CountryCallingCodes.byPrefix[prefix] != CountryCallingCodes.notCovered, "\(prefix)")
    }
    for entry in CountryCallingCodes.unassigned {
        #expect(entry.code.count == 3 && CountryCallingCodes.isCode(entry.code), "\(entry.code)")
        #expect(!entry.status.isEmpty)
    }
}

@Test(
    "shared and non-geographic codes are assigned",
    arguments: [
        "1", "7", "800", "808", "870", "878", "881", "882", "883", "888", "979", "44", "49", "383", "388", "991",
    ])
func wellKnownCodesAreAssigned(_ code: String) {
    #expect(CountryCallingCodes.assigned.contains { $0.code == code })
}

@Test("length phrases read naturally")
func lengthPhrases() {
    #expect(NationalNumberLengths([10]).phrase == "10-digit")
    #expect(NationalNumberLengths([8, 9]).phrase == "8- or 9-digit")
    #expect(NationalNumberLengths([7, 9, 10]).phrase == "7-, 9- or 10-digit")
    #expect(NationalNumberLengths([5, 6, 7, 8, 9, 10, 12]).phrase == "5- to 10- or 12-digit")
    #expect(NationalNumberLengths([5, 6, 7, 8, 9, 10, 11, 12, 13]).phrase == "5- to 13-digit")
}

@Test("the table parser reads lengths and rejects malformed ones")
func lengthParser() {
    #expect(CountryCallingCodes.parseLengths("5-7 10") == [5, 6, 7, 10])
    #expect(CountryCallingCodes.parseLengths("9") == [9])
    #expect(CountryCallingCodes.parseLengths("") == nil)
    #expect(CountryCallingCodes.parseLengths("7-5") == nil)
    #expect(CountryCallingCodes.parseLengths("x") == nil)
}
