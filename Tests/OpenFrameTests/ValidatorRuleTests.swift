import JSON
import Testing

@testable import OpenFrame

/// One payload that breaks one rule, and exactly what the validator must say about it.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var operation: OpenFrame.Operation = .create
    var sysId: String? = OpenFrameTests.sysId
    var code: DiagnosticCode
    var severity: Diagnostic.Severity
    var path: String
    /// The bytes the span covers; nil for no span.
    var span: String?
    var phrases: [String] = []
    var fix: DiagnosticFix? = nil
    /// Other codes the payload legitimately also triggers; anything else fails the case.
    var also: [DiagnosticCode] = []

    var testDescription: String { name }
}

/// A create payload that is valid, with `member` added to `interaction`.
private func interaction(_ member: String) -> String {
    #"{"interaction": {"userPhoneNumber": "+14089965744", "# + member + "}}"
}

/// A valid create payload with one more top-level member.
private func payload(_ member: String) -> String {
    #"{"interaction": {"userPhoneNumber": "+14089965744"}, "# + member + "}"
}

private func use(_ text: String) -> DiagnosticFix { DiagnosticFix(title: "Use \(text)", edit: .replaceValue(.string(text))) }
private func rename(_ name: String) -> DiagnosticFix { DiagnosticFix(title: "Rename to \(name)", edit: .renameKey(name)) }

let ruleCases: [RuleCase] = [
    // JSON itself
    RuleCase(
        name: "syntax error at its offset", text: #"{"interaction": }"#, code: .jsonSyntax, severity: .error,
        path: "", span: "}", phrases: ["not valid JSON"]),
    RuleCase(
        name: "unexpected end is zero-width", text: #"{"interaction": {"#, code: .jsonSyntax, severity: .error,
        path: "", span: "", phrases: ["not valid JSON"]),
    RuleCase(name: "empty text", text: "  ", code: .jsonSyntax, severity: .error, path: "", span: "", phrases: ["empty"]),
    RuleCase(
        name: "duplicate key, on the second", text: interaction(#""clientSessionId": "a", "clientSessionId": "b""#),
        code: .duplicateKey, severity: .warning, path: "/interaction/clientSessionId", span: #""clientSessionId""#,
        phrases: [#"Duplicate key "clientSessionId" in interaction"#, "the last one wins"]),

    // sys_id beside the payload
    RuleCase(
        name: "update with a bad sys_id", text: payload(#""phoneLogs": []"#), operation: .update, sysId: "12/../x",
        code: .invalidSysId, severity: .error, path: "", span: nil,
        phrases: [#""12/../x""#, "32 hexadecimal characters", "it becomes part of a URL"]),

    // structure
    RuleCase(
        name: "payload not an object", text: #"[]"#, code: .wrongType, severity: .error, path: "", span: "[]",
        phrases: ["The payload must be an object; found an array."]),
    RuleCase(
        name: "interaction missing", text: #"{"phoneLogs": []}"#, code: .missingMember, severity: .error,
        path: "/interaction", span: "{", phrases: ["interaction is required", "an object"]),
    RuleCase(
        name: "interaction missing on update too", text: #"{}"#, operation: .update, code: .missingMember,
        severity: .error, path: "/interaction", span: "{"),
    RuleCase(
        name: "interaction not an object", text: #"{"interaction": "call"}"#, code: .wrongType, severity: .error,
        path: "/interaction", span: #""call""#, phrases: ["interaction must be an object; found a string."]),
    RuleCase(
        name: "interaction null", text: #"{"interaction": null}"#, code: .wrongType, severity: .error,
        path: "/interaction", span: "null", phrases: ["found null"]),
    RuleCase(
        name: "empty interaction on update", text: #"{"interaction": {}}"#, operation: .update,
        code: .emptyInteraction, severity: .error, path: "/interaction", span: "{}",
        phrases: ["no parameter", "at least one of userPhoneNumber"]),
    RuleCase(
        name: "interaction with only unknown members", text: #"{"interaction": {"x": 1}}"#, operation: .update,
        code: .emptyInteraction, severity: .error, path: "/interaction", span: #"{"x": 1}"#, also: [.unknownMember]),
    RuleCase(
        name: "create needs userPhoneNumber", text: #"{"interaction": {"clientSessionId": "a545t65678"}}"#,
        code: .missingMember, severity: .error, path: "/interaction/userPhoneNumber", span: #""interaction""#,
        phrases: ["interaction.userPhoneNumber is required to create a voice interaction", "E.164"]),
    RuleCase(
        name: "empty interaction on create reports the missing number only", text: #"{"interaction": {}}"#,
        code: .missingMember, severity: .error, path: "/interaction/userPhoneNumber", span: #""interaction""#),
    RuleCase(
        name: "string member of the wrong type", text: interaction(#""clientSessionId": 42"#), code: .wrongType,
        severity: .error, path: "/interaction/clientSessionId", span: "42",
        phrases: ["interaction.clientSessionId must be a string; found a number."]),
    RuleCase(
        name: "phone number of the wrong type", text: #"{"interaction": {"userPhoneNumber": 14089965744}}"#,
        code: .wrongType, severity: .error, path: "/interaction/userPhoneNumber", span: "14089965744",
        phrases: ["must be a string in E.164 form; found a number"]),
    RuleCase(
        name: "inboundId boolean", text: interaction(#""inboundId": true"#), code: .wrongType, severity: .error,
        path: "/interaction/inboundId", span: "true", phrases: ["found a boolean"]),
    RuleCase(
        name: "empty clientSessionId", text: interaction(#""clientSessionId": """#), code: .emptyString,
        severity: .error, path: "/interaction/clientSessionId", span: #""""#,
        phrases: ["interaction.clientSessionId is empty", "non-empty string"]),
    RuleCase(
        name: "empty inboundId", text: interaction(#""inboundId": """#), code: .emptyString, severity: .error,
        path: "/interaction/inboundId", span: #""""#),

    // phone numbers
    RuleCase(
        name: "formatted phone number", text: #"{"interaction": {"userPhoneNumber": "+1 (408) 996-5744"}}"#,
        code: .invalidPhoneNumber, severity: .error, path: "/interaction/userPhoneNumber",
        span: #""+1 (408) 996-5744""#, phrases: ["not an E.164 phone number", "did you mean +14089965744?"],
        fix: use("+14089965744")),
    RuleCase(
        name: "not a phone number", text: interaction(#""callbackPhoneNumber": "call me""#),
        code: .invalidPhoneNumber, severity: .error, path: "/interaction/callbackPhoneNumber", span: #""call me""#,
        phrases: [#"interaction.callbackPhoneNumber "call me" is not an E.164 phone number"#]),
    RuleCase(
        name: "reference's 9-digit +1 number", text: #"{"interaction": {"userPhoneNumber": "+1303506536"}}"#,
        code: .impossiblePhoneNumber, severity: .warning, path: "/interaction/userPhoneNumber",
        span: #""+1303506536""#, phrases: [#""+1303506536""#, "E.164 shape"]),

    // record fields and context variables
    RuleCase(
        name: "additionalParams not an object", text: interaction(#""additionalParams": ["inbound"]"#),
        code: .wrongType, severity: .error, path: "/interaction/additionalParams", span: #"["inbound"]"#,
        phrases: ["interaction.additionalParams must be an object; found an array."]),
    RuleCase(
        name: "nested value in additionalParams", text: interaction(#""additionalParams": {"assigned_to": {"sys_id": "x"}}"#),
        code: .nonScalarValue, severity: .error, path: "/interaction/additionalParams/assigned_to",
        span: #"{"sys_id": "x"}"#,
        phrases: ["interaction.additionalParams.assigned_to must be a string, number, boolean or null", "found an object"]),
    RuleCase(
        name: "array in interactionContext", text: payload(#""interactionContext": {"languages": ["en", "fr"]}"#),
        code: .nonScalarValue, severity: .error, path: "/interactionContext/languages", span: #"["en", "fr"]"#),
    RuleCase(
        name: "interactionContext not an object", text: payload(#""interactionContext": "genesys""#),
        code: .wrongType, severity: .error, path: "/interactionContext", span: #""genesys""#),
    RuleCase(
        name: "field name with spaces", text: interaction(#""additionalParams": {"Short Description": "x"}"#),
        code: .invalidColumnName, severity: .warning, path: "/interaction/additionalParams/Short Description",
        span: #""Short Description""#,
        phrases: [
            #""Short Description" in interaction.additionalParams is not a ServiceNow column name"#,
            "a lowercase letter, then lowercase letters, digits and underscores, at most 80 characters",
            "short_description",
        ],
        fix: rename("short_description")),
    RuleCase(
        name: "field name beyond repair", text: interaction(#""additionalParams": {"9lives": "x"}"#),
        code: .invalidColumnName, severity: .warning, path: "/interaction/additionalParams/9lives",
        span: #""9lives""#),
    RuleCase(
        name: "field name too long", text: interaction(#""additionalParams": {""# + String(repeating: "a", count: 81) + #"": 1}"#),
        code: .invalidColumnName, severity: .warning,
        path: "/interaction/additionalParams/" + String(repeating: "a", count: 81),
        span: "\"" + String(repeating: "a", count: 81) + "\""),

    // phone logs
    RuleCase(
        name: "phoneLogs not an array", text: payload(#""phoneLogs": {"call_id": "1"}"#), code: .wrongType,
        severity: .error, path: "/phoneLogs", span: #"{"call_id": "1"}"#,
        phrases: ["phoneLogs must be an array of objects; found an object."]),
    RuleCase(
        name: "phone log not an object", text: payload(#""phoneLogs": ["2323223"]"#), code: .wrongType,
        severity: .error, path: "/phoneLogs/0", span: #""2323223""#,
        phrases: ["phoneLogs[0] must be an object; found a string."]),
    RuleCase(
        name: "empty phone log", text: payload(#""phoneLogs": [{"call_id": "1"}, {}]"#), code: .emptyPhoneLog,
        severity: .error, path: "/phoneLogs/1", span: "{}", phrases: ["phoneLogs[1] has no fields"]),
    RuleCase(
        name: "nested value in a phone log", text: payload(#""phoneLogs": [{"agent": ["a"]}]"#),
        code: .nonScalarValue, severity: .error, path: "/phoneLogs/0/agent", span: #"["a"]"#),
    RuleCase(
        name: "camelCase phone log field", text: payload(#""phoneLogs": [{"startTime": "2024-11-04 21:45:00"}]"#),
        code: .invalidColumnName, severity: .warning, path: "/phoneLogs/0/startTime", span: #""startTime""#,
        fix: rename("start_time")),
    RuleCase(
        name: "month 13", text: payload(#""phoneLogs": [{"start_time": "2024-13-04 21:45:00"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/start_time", span: #""2024-13-04 21:45:00""#,
        phrases: [#"phoneLogs[0].start_time "2024-13-04 21:45:00""#, "yyyy-MM-dd HH:mm:ss"]),
    RuleCase(
        name: "29 February outside a leap year", text: payload(#""phoneLogs": [{"end_time": "2023-02-29 10:00:00"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/end_time", span: #""2023-02-29 10:00:00""#),
    RuleCase(
        name: "hour 24", text: payload(#""phoneLogs": [{"end_time": "2024-11-04 24:00:00"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/end_time", span: #""2024-11-04 24:00:00""#),
    RuleCase(
        name: "ISO 8601 in UTC", text: payload(#""phoneLogs": [{"start_time": "2024-11-04T21:45:00Z"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/start_time", span: #""2024-11-04T21:45:00Z""#,
        phrases: ["2024-11-04 21:45:00", "UTC", "instance's or user's time zone"],
        fix: DiagnosticFix(title: "Use 2024-11-04 21:45:00 (as UTC)", edit: .replaceValue("2024-11-04 21:45:00"))),
    RuleCase(
        name: "ISO 8601 without offset", text: payload(#""phoneLogs": [{"start_time": "2024-11-04T21:45:00"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/start_time", span: #""2024-11-04T21:45:00""#,
        phrases: ["instance's or user's time zone"], fix: use("2024-11-04 21:45:00")),
    RuleCase(
        name: "ISO 8601 with an offset is not guessed at", text: payload(#""phoneLogs": [{"start_time": "2024-11-04T21:45:00+02:00"}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/start_time",
        span: #""2024-11-04T21:45:00+02:00""#, phrases: ["convert"]),
    RuleCase(
        name: "date-time as a number", text: payload(#""phoneLogs": [{"start_time": 1730756700}]"#),
        code: .invalidDateTime, severity: .warning, path: "/phoneLogs/0/start_time", span: "1730756700",
        phrases: ["found a number"]),

    // related records
    RuleCase(
        name: "relatedRecords not an array", text: payload(#""relatedRecords": "csm_consumer""#), code: .wrongType,
        severity: .error, path: "/relatedRecords", span: #""csm_consumer""#),
    RuleCase(
        name: "related record not an object", text: payload(#""relatedRecords": [null]"#), code: .wrongType,
        severity: .error, path: "/relatedRecords/0", span: "null"),
    RuleCase(
        name: "related record without documentId",
        text: payload(#""relatedRecords": [{"documentTable": "csm_consumer"}]"#), code: .missingMember,
        severity: .error, path: "/relatedRecords/0/documentId", span: "{",
        phrases: ["relatedRecords[0].documentId is required; expected a string."]),
    RuleCase(
        name: "documentTable of the wrong type",
        text: payload(#""relatedRecords": [{"documentTable": 7, "documentId": "59e788fbdb1b1200b6075200cf9619d2"}]"#),
        code: .wrongType, severity: .error, path: "/relatedRecords/0/documentTable", span: "7"),
    RuleCase(
        name: "empty documentId",
        text: payload(#""relatedRecords": [{"documentTable": "csm_consumer", "documentId": ""}]"#),
        code: .emptyString, severity: .error, path: "/relatedRecords/0/documentId", span: #""""#),
    RuleCase(
        name: "table name with capitals",
        text: payload(#""relatedRecords": [{"documentTable": "CSM_Consumer", "documentId": "59e788fbdb1b1200b6075200cf9619d2"}]"#),
        code: .invalidTableName, severity: .warning, path: "/relatedRecords/0/documentTable", span: #""CSM_Consumer""#,
        phrases: ["not a ServiceNow table name", "csm_consumer"], fix: use("csm_consumer")),
    RuleCase(
        name: "documentId that is not a sys_id",
        text: payload(#""relatedRecords": [{"documentTable": "sys_user", "documentId": "6282-6bf0"}]"#),
        code: .unusualDocumentId, severity: .warning, path: "/relatedRecords/0/documentId", span: #""6282-6bf0""#,
        phrases: ["32 hexadecimal characters", "other GUIDs"]),
    RuleCase(
        name: "the same record twice",
        text: payload(
            #""relatedRecords": [{"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}, {"documentTable": "csm_consumer", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}, {"documentId": "62826bf03710200044e0bfc8bcbe5df1", "documentTable": "sys_user"}]"#
        ),
        code: .duplicateRelatedRecord, severity: .warning, path: "/relatedRecords/2",
        span: #"{"documentId": "62826bf03710200044e0bfc8bcbe5df1", "documentTable": "sys_user"}"#,
        phrases: ["relatedRecords[2] repeats relatedRecords[0]"]),

    // unknown members
    RuleCase(
        name: "miscapitalised member", text: interaction(#""callBackPhoneNumber": "+14089965744""#),
        code: .unknownMember, severity: .warning, path: "/interaction/callBackPhoneNumber",
        span: #""callBackPhoneNumber""#, phrases: [#"did you mean "callbackPhoneNumber"?"#],
        fix: rename("callbackPhoneNumber")),
    RuleCase(
        name: "lowercase top-level member", text: payload(#""phonelogs": []"#), code: .unknownMember,
        severity: .warning, path: "/phonelogs", span: #""phonelogs""#, phrases: [#"did you mean "phoneLogs"?"#],
        fix: rename("phoneLogs")),
    RuleCase(
        name: "misspelt member", text: payload(#""relatedRecrods": []"#), code: .unknownMember,
        severity: .warning, path: "/relatedRecrods", span: #""relatedRecrods""#, fix: rename("relatedRecords")),
    RuleCase(
        name: "record field inside interaction", text: interaction(#""direction": "inbound""#),
        code: .unknownMember, severity: .warning, path: "/interaction/direction", span: #""direction""#,
        phrases: ["record fields belong in interaction.additionalParams"]),
    RuleCase(
        name: "interactionSysId inside the payload", text: payload(#""interactionSysId": "12961fff7fb2d2102d0cd3cf8c86652b""#),
        code: .unknownMember, severity: .warning, path: "/interactionSysId", span: #""interactionSysId""#,
        phrases: ["it travels beside the payload, in the URL"]),
    RuleCase(
        name: "interaction member at the top level", text: payload(#""clientSessionId": "a545t65678""#),
        code: .unknownMember, severity: .warning, path: "/clientSessionId", span: #""clientSessionId""#,
        phrases: ["clientSessionId belongs inside interaction"]),
    RuleCase(
        name: "unknown top-level member", text: payload(#""priority": 1"#), code: .unknownMember,
        severity: .warning, path: "/priority", span: #""priority""#,
        phrases: ["interaction, interactionContext, phoneLogs or relatedRecords"]),
    RuleCase(
        name: "unknown member of a related record",
        text: payload(
            #""relatedRecords": [{"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1", "primary": true}]"#),
        code: .unknownMember, severity: .warning, path: "/relatedRecords/0/primary", span: #""primary""#,
        phrases: ["in relatedRecords[0]", "documentTable or documentId"]),
]

struct ValidatorRuleTests {
    @Test(arguments: ruleCases)
    func rule(_ c: RuleCase) {
        let report = Validator.validate(text: Array(c.text.utf8), operation: c.operation, interactionSysId: c.sysId)
        #expect(Set(report.diagnostics.map(\.code)) == Set([c.code] + c.also), "\(report.diagnostics)")
        let found = report.diagnostics.filter { $0.code == c.code }
        #expect(found.count == 1)
        guard let diagnostic = found.first else { return }
        #expect(diagnostic.severity == c.severity)
        #expect(diagnostic.path.description == c.path)
        #expect(covered(diagnostic.span, in: c.text) == c.span)
        for phrase in c.phrases {
            #expect(diagnostic.message.contains(phrase), "\(diagnostic.message)")
        }
        #expect(diagnostic.fix == c.fix)
        #expect(report.isValid == (c.severity != .error && !c.also.contains { $0.severity == .error }))
    }

    @Test(arguments: [
        ("leap day", payload(#""phoneLogs": [{"start_time": "2024-02-29 23:59:59", "end_time": null}]"#)),
        ("any context variable name", payload(#""interactionContext": {"Device Type": "genesys", "x-y": 1.5, "z": null}"#)),
        ("scalars of every kind", interaction(#""additionalParams": {"u_flag": true, "u_count": 3, "u_note": null}"#)),
        (
            "uppercase hex sys_id",
            payload(#""relatedRecords": [{"documentTable": "x_acme_case", "documentId": "62826BF03710200044E0BFC8BCBE5DF1"}]"#)
        ),
        ("empty arrays", payload(#""phoneLogs": [], "relatedRecords": []"#)),
        ("escaped but valid strings", #"{"interaction": {"userPhoneNumber": "\u002B14089965744", "clientSessionId": "a\"b"}}"#),
    ])
    func clean(_ name: String, _ text: String) {
        let report = validate(text)
        #expect(report.diagnostics.isEmpty, "\(name): \(report.diagnostics)")
    }

    @Test func createIgnoresTheSysId() {
        #expect(validate(#"{"interaction": {"userPhoneNumber": "+14089965744"}}"#, .create, sysId: nil).diagnostics.isEmpty)
        #expect(validate(#"{"interaction": {"userPhoneNumber": "+14089965744"}}"#, .create, sysId: "nope").diagnostics.isEmpty)
    }

    /// One rule everywhere: the sys_id travels in the URL, so validation checks a given one and never requires it.
    @Test func updateWithoutSysIdIsValid() {
        #expect(validate(payload(#""phoneLogs": []"#), .update, sysId: nil).diagnostics.isEmpty)
    }

    @Test func updateDoesNotRequireTheNumber() {
        #expect(validate(#"{"interaction": {"inboundId": "genesys-app"}}"#, .update).diagnostics.isEmpty)
    }

    @Test func everyCodeHasACase() {
        let covered = Set(ruleCases.map(\.code))
        #expect(covered == Set(DiagnosticCode.allCases))
    }
}
