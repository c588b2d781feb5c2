import JSON

/// The request body of POST /openframe/voice-interaction (create) and
/// PATCH /openframe/voice-interaction/{interactionSysId} (update), declared once.
/// Summaries follow the openframe API reference; member order follows its examples.
public enum PayloadSchema {
    // MARK: interaction

    public static let userPhoneNumber = MemberSpec(
        "userPhoneNumber", .string, requiredFor: [.create],
        summary: "Phone number of the user that made the call associated with the voice interaction.",
        format: .e164)

    public static let clientSessionId = MemberSpec(
        "clientSessionId", .string,
        summary: "Unique identifier of the record in an external system used to track this phone call. "
            + "This information links the records between the two systems.",
        nonEmpty: true)

    public static let callbackPhoneNumber = MemberSpec(
        "callbackPhoneNumber", .string,
        summary: "Caller's callback phone number. This is the number the agent uses to reach the caller "
            + "in case the call drops.",
        format: .e164, mapsTo: "caller_phone_number field in the Interaction [interaction] table")

    public static let inboundId = MemberSpec(
        "inboundId", .string,
        summary: "Unique identifier of the application provider for the voice service.",
        mapsTo: "Inbound ID field in the Provider Channel Application [sys_cs_provider_application] table",
        nonEmpty: true)

    public static let additionalParams = MemberSpec(
        "additionalParams", .scalarMap,
        summary: "Name-value pairs of the associated interaction record fields and their respective values.",
        keyFormat: .columnName, mapsTo: "fields of the Interaction [interaction] record")

    public static let interaction = MemberSpec(
        "interaction", .object, requiredFor: [.create, .update],
        summary: "Details of the voice interaction. At least one parameter must be passed.",
        mapsTo: "Interaction [interaction] table", nonEmpty: true,
        children: [userPhoneNumber, clientSessionId, callbackPhoneNumber, inboundId, additionalParams])

    // MARK: interactionContext

    public static let interactionContext = MemberSpec(
        "interactionContext", .scalarMap,
        summary: "Interaction context variables to set. Name-value pairs of the interaction context variables "
            + "to save in the interaction record. These values are determined by CCaaS.",
        mapsTo: "context of the Interaction [interaction] record")

    // MARK: phoneLogs

    /// Phone log fields the reference's examples use (plus end_time, start_time's pair);
    /// any other Phone Log column is allowed too.
    public static let phoneLogFields: [MemberSpec] = [
        MemberSpec(
            "call_id", .scalar, summary: "Identifier of the call, as in the reference's example (\"2323223\").",
            mapsTo: "call_id field in the Phone Log [sn_open_frame_phone_log] table"),
        MemberSpec(
            "agent", .scalar, summary: "The agent on the call; the reference's example gives a User [sys_user] sys_id.",
            mapsTo: "agent field in the Phone Log [sn_open_frame_phone_log] table"),
        MemberSpec(
            "start_time", .scalar,
            summary: "When the call started, as yyyy-MM-dd HH:mm:ss in the instance's or user's time zone.",
            format: .dateTime, mapsTo: "start_time field in the Phone Log [sn_open_frame_phone_log] table"),
        MemberSpec(
            "end_time", .scalar,
            summary: "When the call ended, as yyyy-MM-dd HH:mm:ss in the instance's or user's time zone.",
            format: .dateTime, mapsTo: "end_time field in the Phone Log [sn_open_frame_phone_log] table"),
    ]

    public static let phoneLog = MemberSpec(
        "phoneLogs[]", .scalarMap,
        summary: "One phone log: any field of the Phone Log [sn_open_frame_phone_log] table.",
        keyFormat: .columnName, mapsTo: "Phone Log [sn_open_frame_phone_log] record", nonEmpty: true,
        children: phoneLogFields)

    public static let phoneLogs = MemberSpec(
        "phoneLogs", .array,
        summary: "Name-value pairs of the phone logs to create and associate with a call. You can specify any "
            + "field in the Phone Log [sn_open_frame_phone_log] table.",
        mapsTo: "Phone Log [sn_open_frame_phone_log] table", element: phoneLog)

    // MARK: relatedRecords

    public static let documentTable = MemberSpec(
        "documentTable", .string, requiredFor: [.create, .update],
        summary: "Name of the table that contains the related record.",
        format: .tableName, nonEmpty: true)

    public static let documentId = MemberSpec(
        "documentId", .string, requiredFor: [.create, .update],
        summary: "Sys_id of the related record.",
        format: .sysId, mapsTo: "a record of the table named by documentTable", nonEmpty: true)

    public static let relatedRecord = MemberSpec(
        "relatedRecords[]", .object, summary: "One record related to the call.",
        children: [documentTable, documentId])

    public static let relatedRecords = MemberSpec(
        "relatedRecords", .array, summary: "Records related to the call.", element: relatedRecord)

    // MARK: the payload

    public static let root = MemberSpec(
        "", .object, summary: "The voice interaction to create or update.",
        children: [interaction, interactionContext, phoneLogs, relatedRecords])

    /// Not a payload member: the update endpoint takes it in the URL. Declared so hints and
    /// clients describe it from the same source.
    public static let interactionSysId = MemberSpec(
        "interactionSysId", .string, requiredFor: [.update],
        summary: "Sys_id of the interaction record to update. This value is returned by the Create Voice "
            + "Interaction/POST endpoint.",
        format: .sysId, mapsTo: "Interaction [interaction] table")

    /// The spec for the value at `pointer`, for hover and completion; nil for names the schema
    /// does not know (including arbitrary record fields).
    public static func spec(at pointer: JSONPointer) -> MemberSpec? {
        var spec = root
        for token in pointer.tokens {
            switch spec.type {
            case .object, .scalarMap:
                guard let child = spec.child(named: token) else { return nil }
                spec = child
            case .array:
                guard let element = spec.element, let index = Int(token), index >= 0, String(index) == token else { return nil }
                spec = element
            case .string, .scalar:
                return nil
            }
        }
        return spec
    }
}
