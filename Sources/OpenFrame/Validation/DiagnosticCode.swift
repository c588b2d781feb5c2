/// The stable, kebab-case identifiers of every diagnostic. Clients switch on these, so a code
/// keeps its meaning and its severity forever; add new codes rather than repurpose old ones.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    case jsonSyntax = "json-syntax"
    case duplicateKey = "duplicate-key"
    case invalidSysId = "invalid-sys-id"
    case wrongType = "wrong-type"
    case missingMember = "missing-member"
    case unknownMember = "unknown-member"
    case emptyInteraction = "empty-interaction"
    case emptyString = "empty-string"
    case invalidPhoneNumber = "invalid-phone-number"
    case impossiblePhoneNumber = "impossible-phone-number"
    case nonScalarValue = "non-scalar-value"
    case emptyPhoneLog = "empty-phone-log"
    case invalidColumnName = "invalid-column-name"
    case invalidTableName = "invalid-table-name"
    case invalidDateTime = "invalid-date-time"
    case unusualDocumentId = "unusual-document-id"
    case duplicateRelatedRecord = "duplicate-related-record"

    /// Every diagnostic with this code has this severity: errors are what the API would reject
    /// or mis-store; warnings are legal but probably not what the sender meant.
    public var severity: Diagnostic.Severity {
        switch self {
        case .jsonSyntax, .invalidSysId, .wrongType, .missingMember, .emptyInteraction,
            .emptyString, .invalidPhoneNumber, .nonScalarValue, .emptyPhoneLog:
            .error
        case .duplicateKey, .unknownMember, .impossiblePhoneNumber, .invalidColumnName, .invalidTableName,
            .invalidDateTime, .unusualDocumentId, .duplicateRelatedRecord:
            .warning
        }
    }

    /// One line for documentation and `--help`-style listings.
    public var summary: String {
        switch self {
        case .jsonSyntax: "The text is not JSON (reported once, at the parser's offset)."
        case .duplicateKey: "An object repeats a key; the last one wins."
        case .invalidSysId: "The interactionSysId is not 32 hexadecimal characters."
        case .wrongType: "A member has the wrong JSON type (e.g. a number where a string is expected)."
        case .missingMember: "A required member is absent (interaction; interaction.userPhoneNumber on create; documentTable/documentId)."
        case .unknownMember: "The API defines no member of that name here (with a did-you-mean when one is close)."
        case .emptyInteraction: "interaction has no parameter; the API requires at least one."
        case .emptyString: "A string that identifies something (clientSessionId, inboundId, documentTable, documentId) is empty."
        case .invalidPhoneNumber: "userPhoneNumber or callbackPhoneNumber is not in E.164 form."
        case .impossiblePhoneNumber: "An E.164-shaped number that no numbering plan assigns (unassigned code or impossible length)."
        case .nonScalarValue: "A record field or context variable holds an object or array; only strings, numbers, booleans and null fit."
        case .emptyPhoneLog: "A phone log entry has no fields."
        case .invalidColumnName: "A field name is not a ServiceNow column name (lowercase letter, then a-z, 0-9, _; at most 80)."
        case .invalidTableName: "relatedRecords documentTable is not a ServiceNow table name."
        case .invalidDateTime: "A phone log start_time or end_time is not a real yyyy-MM-dd HH:mm:ss date-time."
        case .unusualDocumentId: "relatedRecords documentId is not a 32-hex sys_id (the platform allows other GUIDs)."
        case .duplicateRelatedRecord: "The same documentTable and documentId appear twice in relatedRecords."
        }
    }

    /// The code's documentation (Markdown), shown as its help by `validate --format sarif` (a rule's
    /// fullDescription and help). protocol.md's table of codes repeats it word for word (a test holds them together).
    public var documentation: String {
        switch self {
        case .jsonSyntax:
            "the text is not JSON; the only diagnostic then, at the parser's position (`text` and files only)"
        case .duplicateKey:
            "an object repeats a member name; reported on the second one (the last one wins, as in most readers)"
        case .invalidSysId:
            "`interactionSysId` is not 32 hexadecimal characters (it becomes part of the URL)"
        case .wrongType:
            "a value of the wrong JSON type; the message names the expected and the found type"
        case .missingMember:
            "a required member is missing: `interaction`; `interaction.userPhoneNumber` on create; a related record's `documentTable` or `documentId`"
        case .unknownMember:
            #"the API has no such member there; with "did you mean" and a `renameKey` fix when one known name is close, else the hint that record fields belong in `interaction.additionalParams`"#
        case .emptyInteraction:
            "`interaction` has no parameter (the API needs at least one)"
        case .emptyString:
            #"`clientSessionId`, `inboundId`, `documentTable` or `documentId` is `""`"#
        case .invalidPhoneNumber:
            "`userPhoneNumber` or `callbackPhoneNumber` is not E.164 (`+`, a country code starting 1–9, at most 15 digits); with a `replaceValue` fix when only formatting is wrong"
        case .impossiblePhoneNumber:
            "E.164 in shape, but the country code is unassigned or its numbering plan never uses that length (the reference's own `+1303506536` has 9 digits after +1; the North American plan uses 10)"
        case .nonScalarValue:
            "an object or array where `additionalParams`, `interactionContext` or a phone log needs a string, number, boolean or null"
        case .emptyPhoneLog:
            "a phone log entry is `{}`"
        case .invalidColumnName:
            "a key of `additionalParams` or of a phone log is not a ServiceNow column name (a lowercase letter, then lowercase letters, digits and underscores, at most 80); with a `renameKey` fix when one exists"
        case .invalidTableName:
            "a related record's `documentTable` is not a ServiceNow table name (the same rule as column names)"
        case .invalidDateTime:
            "a phone log `start_time` or `end_time` is not the platform's `yyyy-MM-dd HH:mm:ss` (a real date and time); ISO 8601 values get a `replaceValue` fix"
        case .unusualDocumentId:
            "`documentId` is not 32 hexadecimal characters (the form the platform generates; other GUIDs are allowed)"
        case .duplicateRelatedRecord:
            "the same `documentTable` and `documentId` twice; reported on the later entry"
        }
    }
}
