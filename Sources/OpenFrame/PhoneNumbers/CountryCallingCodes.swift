// swift-format-ignore-file
// (a data table laid out by hand: its columns are aligned inside a string literal)
// The ITU-T E.164 country calling codes, with the lengths of the national
// significant number (the digits after the code) that each code's plan uses.
//
// Sources
//   Codes:   ITU-T, "List of ITU-T Recommendation E.164 assigned country codes
//            (Position on 15 December 2016)", Annex to ITU Operational Bulletin
//            No. 1114, with the later amendments published in the Operational
//            Bulletin (so +383 Kosovo is in). Spare and reserved codes are listed
//            separately below, with the status the ITU list gives them.
//   Lengths: Google libphonenumber v9.0.43, resources/PhoneNumberMetadata.xml:
//            for each code, the union over its territories of the national
//            `possibleLengths` (the generalDesc lengths, which exclude
//            noInternationalDialling and localOnly lengths), as read from the
//            metadata the phonenumbers 9.0.43 Python port ships (same release).
//   Adjustments, each noted on its line (`lib:` = what libphonenumber says):
//     - +1 is 10 only: Canada's 7-digit 310-xxxx numbers are national-only.
//     - Lengths that would make a number longer than the 15 digits E.164
//       allows are dropped (Germany, Indonesia, Japan, ...).
//     - Lengths that would make a number shorter than E164.minimumDigits (7)
//       in all are dropped (4-digit service numbers under +43, +49, +98).
//     - Codes the ITU assigns but libphonenumber has no plan for (379, 388,
//       991) get the permissive range 4-12: a false warning on a real number
//       is worse than a missed one.
//
// Format: one code per line, `code | name | lengths  # note`. Lengths are
// single lengths and `min-max` ranges separated by spaces. A name that reads
// with "the" in a sentence is written with it ("the United Kingdom"); the
// "the " is dropped from the name E164Check reports. Codes are in the ITU
// list's order (digit by digit). The tables are parsed once, on first use,
// by the small parser at the end of this file.
//
// To refresh: update both sources, rerun the same extraction, and keep the
// table-integrity tests in E164Tests.swift green (they check uniqueness,
// prefix-freedom, 1-3 digit codes, lengths, and that assigned plus
// unassigned codes cover every three-digit prefix exactly once).

extension CountryCallingCodes {
    /// Every assigned code: `code | name | national significant number lengths`.
    static let assignedTable = """
    1   | the North American Numbering Plan                 | 10            # US, CA + 23 more; lib: CA 7 (310-xxxx, national-only)
    20  | Egypt                                             | 8-10          # EG
    211 | South Sudan                                       | 9             # SS
    212 | Morocco                                           | 9             # MA,EH
    213 | Algeria                                           | 8 9           # DZ
    216 | Tunisia                                           | 8             # TN
    218 | Libya                                             | 9             # LY
    220 | the Gambia                                        | 7 9           # GM
    221 | Senegal                                           | 9             # SN
    222 | Mauritania                                        | 8             # MR
    223 | Mali                                              | 8             # ML
    224 | Guinea                                            | 8 9           # GN
    225 | Cote d'Ivoire                                     | 10            # CI
    226 | Burkina Faso                                      | 8             # BF
    227 | Niger                                             | 8             # NE
    228 | Togo                                              | 8             # TG
    229 | Benin                                             | 10            # BJ
    230 | Mauritius                                         | 7 8 10        # MU
    231 | Liberia                                           | 7-9           # LR
    232 | Sierra Leone                                      | 8             # SL
    233 | Ghana                                             | 8 9           # GH
    234 | Nigeria                                           | 10-12         # NG; lib: also 13,14, over 15 digits in all
    235 | Chad                                              | 8             # TD
    236 | the Central African Republic                      | 8             # CF
    237 | Cameroon                                          | 8 9           # CM
    238 | Cape Verde                                        | 7             # CV
    239 | Sao Tome and Principe                             | 7             # ST
    240 | Equatorial Guinea                                 | 9             # GQ
    241 | Gabon                                             | 7 8           # GA
    242 | the Republic of the Congo                         | 9             # CG
    243 | the Democratic Republic of the Congo              | 7-10          # CD
    244 | Angola                                            | 9             # AO
    245 | Guinea-Bissau                                     | 7 9           # GW
    246 | Diego Garcia                                      | 7             # IO
    247 | Ascension Island                                  | 5 6           # AC
    248 | Seychelles                                        | 7             # SC
    249 | Sudan                                             | 9             # SD
    250 | Rwanda                                            | 8 9           # RW
    251 | Ethiopia                                          | 9             # ET
    252 | Somalia                                           | 6-9           # SO
    253 | Djibouti                                          | 8             # DJ
    254 | Kenya                                             | 7-10          # KE
    255 | Tanzania                                          | 9             # TZ
    256 | Uganda                                            | 9             # UG
    257 | Burundi                                           | 8             # BI
    258 | Mozambique                                        | 8 9           # MZ
    260 | Zambia                                            | 9             # ZM
    261 | Madagascar                                        | 9             # MG
    262 | Reunion and Mayotte                               | 9             # RE,YT
    263 | Zimbabwe                                          | 7 9 10        # ZW
    264 | Namibia                                           | 8 9           # NA
    265 | Malawi                                            | 7 9           # MW
    266 | Lesotho                                           | 8             # LS
    267 | Botswana                                          | 7 8 10        # BW
    268 | Eswatini                                          | 8 9           # SZ
    269 | the Comoros                                       | 7             # KM
    27  | South Africa                                      | 5-10          # ZA
    290 | Saint Helena and Tristan da Cunha                 | 4 5           # SH,TA
    291 | Eritrea                                           | 7             # ER
    297 | Aruba                                             | 7             # AW
    298 | the Faroe Islands                                 | 6             # FO
    299 | Greenland                                         | 6             # GL
    30  | Greece                                            | 10-12         # GR
    31  | the Netherlands                                   | 5-11          # NL
    32  | Belgium                                           | 8 9           # BE
    33  | France                                            | 9             # FR
    34  | Spain                                             | 9             # ES
    350 | Gibraltar                                         | 8             # GI
    351 | Portugal                                          | 9             # PT
    352 | Luxembourg                                        | 4-11          # LU
    353 | Ireland                                           | 7-10          # IE
    354 | Iceland                                           | 7 9           # IS
    355 | Albania                                           | 6-9           # AL
    356 | Malta                                             | 8             # MT
    357 | Cyprus                                            | 8             # CY
    358 | Finland                                           | 5-12          # FI,AX
    359 | Bulgaria                                          | 6-9 12        # BG
    36  | Hungary                                           | 8 9           # HU
    370 | Lithuania                                         | 8             # LT
    371 | Latvia                                            | 8             # LV
    372 | Estonia                                           | 7 8 10        # EE
    373 | Moldova                                           | 8             # MD
    374 | Armenia                                           | 8             # AM
    375 | Belarus                                           | 6-11          # BY
    376 | Andorra                                           | 6 8 9         # AD
    377 | Monaco                                            | 8 9           # MC
    378 | San Marino                                        | 8 10          # SM
    379 | Vatican City                                      | 4-12          # ITU-assigned, unused (Vatican is +39 06 698); no lib metadata
    380 | Ukraine                                           | 9 10          # UA
    381 | Serbia                                            | 6-12          # RS
    382 | Montenegro                                        | 8 9           # ME
    383 | Kosovo                                            | 8-12          # XK
    385 | Croatia                                           | 7-9           # HR
    386 | Slovenia                                          | 5-8           # SI
    387 | Bosnia and Herzegovina                            | 8 9           # BA
    388 | Group of countries, shared code                   | 4-12          # ITU shared code (ex-ETNS); no lib metadata
    389 | North Macedonia                                   | 8             # MK
    39  | Italy                                             | 6-12          # IT,VA
    40  | Romania                                           | 6 9           # RO
    41  | Switzerland                                       | 9 12          # CH
    420 | the Czech Republic                                | 9-12          # CZ
    421 | Slovakia                                          | 6 7 9         # SK
    423 | Liechtenstein                                     | 7 9           # LI
    43  | Austria                                           | 5-13          # AT; lib: also 4, below the 7-digit floor
    44  | the United Kingdom                                | 7 9 10        # GB,GG,IM,JE
    45  | Denmark                                           | 8             # DK
    46  | Sweden                                            | 6-10 12       # SE
    47  | Norway                                            | 5 8           # NO,SJ
    48  | Poland                                            | 6-10          # PL
    49  | Germany                                           | 5-13          # DE; lib: also 4, below the 7-digit floor; lib: also 14,15, over 15 digits in all
    500 | the Falkland Islands                              | 5             # FK
    501 | Belize                                            | 7 11          # BZ
    502 | Guatemala                                         | 8 11          # GT
    503 | El Salvador                                       | 7 8 11        # SV
    504 | Honduras                                          | 8 11          # HN
    505 | Nicaragua                                         | 8             # NI
    506 | Costa Rica                                        | 8 10          # CR
    507 | Panama                                            | 7 8 10 11     # PA
    508 | Saint Pierre and Miquelon                         | 6 9           # PM
    509 | Haiti                                             | 8             # HT
    51  | Peru                                              | 8 9           # PE
    52  | Mexico                                            | 10            # MX
    53  | Cuba                                              | 6-8 10        # CU
    54  | Argentina                                         | 10 11         # AR
    55  | Brazil                                            | 8-11          # BR
    56  | Chile                                             | 9-11          # CL
    57  | Colombia                                          | 8 10 11       # CO
    58  | Venezuela                                         | 10            # VE
    590 | Guadeloupe                                        | 9             # GP,BL,MF
    591 | Bolivia                                           | 8 9           # BO
    592 | Guyana                                            | 7             # GY
    593 | Ecuador                                           | 8-11          # EC
    594 | French Guiana                                     | 9             # GF
    595 | Paraguay                                          | 6-11          # PY
    596 | Martinique                                        | 9             # MQ
    597 | Suriname                                          | 6 7           # SR
    598 | Uruguay                                           | 4-12          # UY; lib: also 13, over 15 digits in all
    599 | Curacao and the Caribbean Netherlands             | 7 8           # CW,BQ
    60  | Malaysia                                          | 8-10          # MY
    61  | Australia                                         | 5-10 12       # AU,CC,CX
    62  | Indonesia                                         | 7-13          # ID; lib: also 14,15,16,17, over 15 digits in all
    63  | the Philippines                                   | 6 8-13        # PH
    64  | New Zealand                                       | 5-10          # NZ
    65  | Singapore                                         | 8 10 11       # SG
    66  | Thailand                                          | 8-10 13       # TH
    670 | Timor-Leste                                       | 7 8           # TL
    672 | the Australian External Territories               | 6             # NF
    673 | Brunei                                            | 7             # BN
    674 | Nauru                                             | 7             # NR
    675 | Papua New Guinea                                  | 7 8           # PG
    676 | Tonga                                             | 5 7           # TO
    677 | the Solomon Islands                               | 5 7           # SB
    678 | Vanuatu                                           | 5 7           # VU
    679 | Fiji                                              | 7 11          # FJ
    680 | Palau                                             | 7             # PW
    681 | Wallis and Futuna                                 | 6 9           # WF
    682 | the Cook Islands                                  | 5             # CK
    683 | Niue                                              | 4 7           # NU
    685 | Samoa                                             | 5-7 10        # WS
    686 | Kiribati                                          | 5 8           # KI
    687 | New Caledonia                                     | 6             # NC
    688 | Tuvalu                                            | 5-7           # TV
    689 | French Polynesia                                  | 6 8 9         # PF
    690 | Tokelau                                           | 4-7           # TK
    691 | Micronesia                                        | 7             # FM
    692 | the Marshall Islands                              | 7             # MH
    7   | Russia and Kazakhstan                             | 10 14         # RU,KZ
    800 | the International Freephone Service               | 8             # non-geographic
    808 | the International Shared Cost Service             | 8             # non-geographic
    81  | Japan                                             | 8-13          # JP; lib: also 14,15,16,17, over 15 digits in all
    82  | South Korea                                       | 5 6 8-13      # KR; lib: also 14, over 15 digits in all
    84  | Vietnam                                           | 7-10          # VN
    850 | North Korea                                       | 8 10          # KP
    852 | Hong Kong                                         | 5-9 11        # HK
    853 | Macao                                             | 7 8           # MO
    855 | Cambodia                                          | 8-10          # KH
    856 | Laos                                              | 8-10          # LA
    86  | China                                             | 7-12          # CN
    870 | Inmarsat                                          | 9 12          # non-geographic
    878 | the Universal Personal Telecommunication Service  | 12            # non-geographic
    880 | Bangladesh                                        | 6-10          # BD
    881 | the Global Mobile Satellite System                | 9 10          # non-geographic
    882 | International Networks                            | 7-12          # non-geographic
    883 | International Networks                            | 8-12          # non-geographic
    886 | Taiwan                                            | 7-11          # TW
    888 | Telecommunications for Disaster Relief            | 11            # non-geographic
    90  | Turkey                                            | 7 10 12 13    # TR
    91  | India                                             | 8-13          # IN
    92  | Pakistan                                          | 8-12          # PK
    93  | Afghanistan                                       | 9             # AF
    94  | Sri Lanka                                         | 9             # LK
    95  | Myanmar                                           | 6-10          # MM
    960 | the Maldives                                      | 7 10          # MV
    961 | Lebanon                                           | 7 8           # LB
    962 | Jordan                                            | 8 9           # JO
    963 | Syria                                             | 8 9           # SY
    964 | Iraq                                              | 8-10          # IQ
    965 | Kuwait                                            | 7 8           # KW
    966 | Saudi Arabia                                      | 9 10          # SA
    967 | Yemen                                             | 7-9           # YE
    968 | Oman                                              | 7-9           # OM
    970 | Palestine                                         | 8-10          # PS
    971 | the United Arab Emirates                          | 5-12          # AE
    972 | Israel                                            | 7-12          # IL
    973 | Bahrain                                           | 8             # BH
    974 | Qatar                                             | 7-9 11        # QA
    975 | Bhutan                                            | 7 8           # BT
    976 | Mongolia                                          | 8-10          # MN
    977 | Nepal                                             | 8 10 11       # NP
    979 | the International Premium Rate Service            | 9             # non-geographic
    98  | Iran                                              | 5-7 10        # IR; lib: also 4, below the 7-digit floor
    991 | ITU trial service, shared code                    | 4-12          # ITU trial shared code; no lib metadata
    992 | Tajikistan                                        | 9             # TJ
    993 | Turkmenistan                                      | 8             # TM
    994 | Azerbaijan                                        | 9             # AZ
    995 | Georgia                                           | 9             # GE
    996 | Kyrgyzstan                                        | 9 10          # KG
    998 | Uzbekistan                                        | 9             # UZ
    """

    /// Every spare or reserved three-digit code: `code or range | ITU status`.
    /// (The one-digit code 0 is reserved too; the shape check rejects it.)
    static let unassignedTable = """
    210      | a spare code
    214-215  | a spare code
    217      | a spare code
    219      | a spare code
    259      | a spare code
    280-289  | a spare code
    292-296  | a spare code
    384      | a spare code
    422      | a spare code
    424-429  | a spare code
    671      | a spare code                                       # formerly Guam, now +1 671
    684      | a spare code                                       # formerly American Samoa, now +1 684
    693-699  | a spare code
    801-807  | a spare code
    809      | a spare code
    830-839  | a spare code
    851      | a spare code
    854      | a spare code
    857-859  | a spare code
    871-874  | a spare code                                       # former Inmarsat ocean-region codes; Inmarsat is +870
    875-877  | reserved for maritime mobile service applications
    879      | reserved for national non-commercial purposes
    884-885  | a spare code
    887      | a spare code
    889      | a spare code
    890-899  | a spare code
    969      | reserved                                           # formerly the PDR of Yemen
    978      | a spare code                                       # formerly Dubai
    990      | a spare code
    997      | a spare code                                       # formerly Kazakhstan, now +7
    999      | reserved for a future global service
    """
}

// MARK: - Model and parser (no data below this line)

/// The lengths a plan uses for its national significant numbers, as a bit set
/// (bit n set = n digits is used). Lengths are 1...15, so 16 bits suffice.
struct NationalNumberLengths: Equatable, Sendable {
    let bits: UInt16

    init(_ lengths: [Int]) {
        var bits: UInt16 = 0
        for n in lengths where (1...15).contains(n) { bits |= 1 << UInt16(n) }
        self.bits = bits
    }

    @inline(__always)
    func contains(_ length: Int) -> Bool {
        length >= 1 && length <= 15 && bits & (1 << UInt16(length)) != 0
    }

    /// The lengths, shortest first.
    var sorted: [Int] { (1...15).filter(contains) }

    /// "10-digit", "8- or 9-digit", "7-, 9- or 10-digit", "5- to 10- or 12-digit".
    var phrase: String {
        var groups: [String] = []
        var lengths = sorted[...]
        while let first = lengths.first {
            var last = first
            while lengths.dropFirst(last - first + 1).first == last + 1 { last += 1 }
            if last - first >= 2 {
                groups.append("\(first)- to \(last)-")
            } else {
                groups.append(contentsOf: (first...last).map { "\($0)-" })
            }
            lengths = lengths.dropFirst(last - first + 1)
        }
        switch groups.count {
        case 0: return "no"
        case 1: return groups[0] + "digit"
        default: return groups.dropLast().joined(separator: ", ") + " or " + groups.last! + "digit"
        }
    }
}

/// An assigned country calling code and its plan.
struct CountryCallingCode: Equatable, Sendable {
    /// The code's digits, "44".
    let code: String
    /// The short name, "United Kingdom".
    let name: String
    /// The name as it reads inside a sentence, "the United Kingdom".
    let nameInSentence: String
    /// The national significant number lengths the plan uses.
    let lengths: NationalNumberLengths
    /// `lengths.phrase`, worded once at parse time rather than for every impossible number.
    let lengthsPhrase: String

    init(code: String, name: String, nameInSentence: String, lengths: NationalNumberLengths) {
        self.code = code
        self.name = name
        self.nameInSentence = nameInSentence
        self.lengths = lengths
        lengthsPhrase = lengths.phrase
    }
}

/// A spare or reserved three-digit code.
struct UnassignedCountryCode: Equatable, Sendable {
    /// The code's digits, "283".
    let code: String
    /// Its ITU status, worded to follow "ITU-T lists it as": "a spare code".
    let status: String
}

/// The country calling code tables, parsed once, and a lookup by the first
/// three digits of a number (codes are prefix-free, so the first three digits
/// always determine the code).
enum CountryCallingCodes {
    static let assigned: [CountryCallingCode] = parseAssigned(assignedTable)
    static let unassigned: [UnassignedCountryCode] = parseUnassigned(unassignedTable)

    /// Indexed by the first three digits of the number, 0...999. A value v >= 0
    /// is an index into `assigned`; v < 0 is `-(index into unassigned) - 1`;
    /// `notCovered` marks a prefix neither table covers (none, per the tests,
    /// for 100...999; 0xx prefixes never reach the lookup).
    static let byPrefix: [Int16] = {
        var table = [Int16](repeating: notCovered, count: 1000)
        func fill(_ code: String, with value: Int16) {
            let digits = Int(code)!
            let spread = code.count == 1 ? 100 : code.count == 2 ? 10 : 1
            for prefix in digits * spread ..< (digits + 1) * spread { table[prefix] = value }
        }
        for (i, entry) in assigned.enumerated() { fill(entry.code, with: Int16(i)) }
        for (i, entry) in unassigned.enumerated() { fill(entry.code, with: -Int16(i) - 1) }
        return table
    }()

    static let notCovered = Int16.min

    /// The assigned or unassigned code that a number starting with these three digits has.
    static func lookup(threeDigitPrefix prefix: Int) -> Lookup {
        let value = byPrefix[prefix]
        if value >= 0 { return .assigned(assigned[Int(value)]) }
        if value == notCovered { return .unassigned(UnassignedCountryCode(code: String(prefix), status: "unassigned")) }
        return .unassigned(unassigned[Int(-(value + 1))])
    }

    enum Lookup: Equatable {
        case assigned(CountryCallingCode)
        case unassigned(UnassignedCountryCode)
    }

    // MARK: Parsing

    /// Splits a table into its non-empty lines' `|`-separated fields, with
    /// `#` comments and surrounding blanks removed.
    static func rows(_ table: String) -> [[String]] {
        // Split on bytes, not Characters: grapheme breaking made this parse slow.
        table.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let content = line.split(separator: UInt8(ascii: "#"), maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = content.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
                .map { trimmed(Substring($0)) }
            return fields.allSatisfy(\.isEmpty) ? nil : fields
        }
    }

    /// "5-7 10" -> [5, 6, 7, 10]; nil when malformed.
    static func parseLengths(_ text: String) -> [Int]? {
        var lengths: [Int] = []
        for token in text.split(separator: " ") {
            let bounds = token.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low <= high
            else { return nil }
            lengths.append(contentsOf: low...high)
        }
        return lengths.isEmpty ? nil : lengths
    }

    static func parseAssigned(_ table: String) -> [CountryCallingCode] {
        rows(table).map { fields in
            guard fields.count == 3, isCode(fields[0]), !fields[1].isEmpty,
                  let lengths = parseLengths(fields[2])
            else { preconditionFailure("malformed country calling code row: \(fields)") }
            let sentence = fields[1]
            let name = sentence.hasPrefix("the ") ? String(sentence.dropFirst(4)) : sentence
            return CountryCallingCode(code: fields[0], name: name, nameInSentence: sentence,
                                      lengths: NationalNumberLengths(lengths))
        }
    }

    static func parseUnassigned(_ table: String) -> [UnassignedCountryCode] {
        rows(table).flatMap { fields -> [UnassignedCountryCode] in
            let bounds = fields.first?.split(separator: "-").map(String.init) ?? []
            guard fields.count == 2, !fields[1].isEmpty, (1...2).contains(bounds.count),
                  bounds.allSatisfy({ isCode($0) && $0.count == 3 }),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low <= high
            else { preconditionFailure("malformed unassigned code row: \(fields)") }
            return (low...high).map { UnassignedCountryCode(code: String($0), status: fields[1]) }
        }
    }

    /// 1 to 3 ASCII digits, the first 1-9.
    static func isCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (1...3).contains(bytes.count) && (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[0])
            && bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// On UTF-8 bytes: trimming by `Character` (twice reversed) made this parse cost ~50 M
    /// instructions, ~10 ms on the first validation.
    private static func trimmed(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != UInt8(ascii: " ") }),
              let last = utf8.lastIndex(where: { $0 != UInt8(ascii: " ") })
        else { return "" }
        return String(text[first...last])
    }
}
