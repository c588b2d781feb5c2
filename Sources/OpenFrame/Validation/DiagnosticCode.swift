/// The stable, kebab-case identifiers of every diagnostic. Clients switch on these, so a code
/// keeps its meaning and its severity forever; add new codes rather than repurpose old ones.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    case jsonSyntax = "json-syntax"
    case duplicateKey = "duplicate-key"
    case missingSysId = "missing-sys-id"
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
        case .jsonSyntax, .missingSysId, .invalidSysId, .wrongType, .missingMember, .emptyInteraction,
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
        case .missingSysId: "An update has no interactionSysId for the URL."
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
}
