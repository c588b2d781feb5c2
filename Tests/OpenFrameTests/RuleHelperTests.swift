import JSON
import Testing

@testable import OpenFrame

struct ColumnNameTests {
    @Test(arguments: [
        ("short_description", true), ("u_custom_2", true), ("x_acme_case", true), ("a", true),
        (String(repeating: "a", count: 80), true), (String(repeating: "a", count: 81), false),
        ("", false), ("_private", false), ("9lives", false), ("Short", false), ("short description", false),
        ("dot.walk", false), ("café", false),
    ])
    func validity(_ name: String, _ valid: Bool) {
        #expect(ColumnName.isValid(name) == valid)
    }

    @Test(arguments: [
        ("Short Description", "short_description"), ("shortDescription", "short_description"),
        ("assigned-to", "assigned_to"), ("CSM_Consumer", "csm_consumer"), ("caller.name", "caller_name"),
        ("URLField", "urlfield"),
    ])
    func suggestions(_ name: String, _ suggestion: String) {
        #expect(ColumnName.suggestion(for: name) == suggestion)
    }

    @Test(arguments: ["short_description", "9lives", "_", "émoji", ""])
    func noSuggestion(_ name: String) {
        #expect(ColumnName.suggestion(for: name) == nil)
    }
}

struct PlatformDateTimeTests {
    @Test(arguments: [
        ("2024-11-04 21:45:00", true), ("2024-02-29 00:00:00", true), ("2000-02-29 12:00:00", true),
        ("2023-12-31 23:59:59", true), ("2024-04-30 10:00:00", true),
        ("1900-02-29 12:00:00", false), ("2023-02-29 12:00:00", false), ("2024-04-31 10:00:00", false),
        ("2024-00-10 10:00:00", false), ("2024-11-00 10:00:00", false), ("2024-11-04 21:60:00", false),
        ("2024-11-04 21:45:60", false), ("2024-11-04T21:45:00", false), ("2024-11-04 21:45", false),
        ("2024-11-04 21:45:00.000", false), ("24-11-04 21:45:00 ", false), ("2024-1a-04 21:45:00", false), ("", false),
    ])
    func platformForm(_ text: String, _ valid: Bool) {
        #expect(PlatformDateTime.isValid(text) == valid)
    }

    @Test(arguments: [
        ("2024-11-04T21:45:00", PlatformDateTime.ISO8601Reading.local("2024-11-04 21:45:00")),
        ("2024-11-04T21:45:00.123", .local("2024-11-04 21:45:00")),
        ("2024-11-04T21:45:00Z", .utc("2024-11-04 21:45:00")),
        ("2024-11-04t21:45:00z", .utc("2024-11-04 21:45:00")),
        ("2024-11-04T21:45:00+00:00", .utc("2024-11-04 21:45:00")),
        ("2024-11-04T21:45:00-0000", .utc("2024-11-04 21:45:00")),
        ("2024-11-04T21:45:00+02:00", .offset),
        ("2024-11-04T21:45:00-0530", .offset),
    ])
    func iso8601(_ text: String, _ reading: PlatformDateTime.ISO8601Reading) {
        #expect(PlatformDateTime.readISO8601(text) == reading)
    }

    @Test(arguments: [
        "2024-11-04 21:45:00", "2024-13-04T21:45:00Z", "2024-11-04T21:45", "2024-11-04T21:45:00+2", "2024-11-04T21:45:00.Z",
        "2024-11-04T21:45:00+24:00", "2024-11-04T21:45:00 UTC",
    ])
    func notISO8601(_ text: String) {
        #expect(PlatformDateTime.readISO8601(text) == nil)
    }
}

struct MemberSuggestionTests {
    @Test(arguments: [("", "", 0), ("abc", "", 3), ("kitten", "sitting", 3), ("phoneLosg", "phoneLogs", 1), ("ab", "ba", 1)])
    func distance(_ a: String, _ b: String, _ d: Int) {
        #expect(EditDistance.between(a, b) == d)
    }

    @Test(
        arguments: [
            ("callBackPhoneNumber", "callbackPhoneNumber"), ("phonelogs", "phoneLogs"), ("relatedRecord", "relatedRecords"),
            ("interactionContxt", "interactionContext"), ("documentID", "documentId"), ("clientSessionID", "clientSessionId"),
            ("userPhoneNum", nil), ("phone", nil), ("x", nil),
        ] as [(String, String?)])
    func closest(_ unknown: String, _ expected: String?) {
        let names =
            PayloadSchema.root.children.map(\.name) + PayloadSchema.interaction.children.map(\.name)
            + PayloadSchema.relatedRecord.children.map(\.name)
        #expect(MemberSuggestion.closest(to: unknown, among: names) == expected)
    }

    @Test func severalCloseNamesSuggestNone() {
        #expect(MemberSuggestion.closest(to: "abcd", among: ["abce", "abcf"]) == nil)
    }
}

struct SysIDTests {
    @Test(arguments: [
        ("12961fff7fb2d2102d0cd3cf8c86652b", true), ("12961FFF7FB2D2102D0CD3CF8C86652B", true),
        ("12961fff7fb2d2102d0cd3cf8c86652", false), ("12961fff7fb2d2102d0cd3cf8c86652bb", false),
        ("12961fff-7fb2-d210-2d0c-d3cf8c86652b", false), ("12961fff7fb2d2102d0cd3cf8c86652g", false), ("", false),
    ])
    func validity(_ text: String, _ valid: Bool) {
        #expect(SysID.isValid(text) == valid)
    }
}

struct DisplayNameTests {
    @Test(arguments: [
        ("", "the payload"), ("/interaction/userPhoneNumber", "interaction.userPhoneNumber"),
        ("/phoneLogs/0/start_time", "phoneLogs[0].start_time"), ("/relatedRecords/12", "relatedRecords[12]"),
        ("/interaction/additionalParams/0", "interaction.additionalParams.0"), ("/extra/3/a", "extra[3].a"),
    ])
    func dotted(_ pointer: String, _ name: String) {
        #expect(DisplayName.of(JSONPointer(parsing: pointer)!) == name)
    }
}
