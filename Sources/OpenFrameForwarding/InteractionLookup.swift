import JSON

/// What looking a create up by its `interaction.clientSessionId` found. The outbox asks this after a
/// create may have reached the instance without an answer, before it would send it again.
public enum InteractionLookup: Sendable, Equatable {
    /// Exactly one record, and its `client_session_id` is ours: the create was stored.
    case found(sysId: String, number: String?)
    /// No record: the create was not stored, sending it again cannot duplicate.
    case notFound
    /// The answer proves neither: the field is missing from the rows (ServiceNow drops a condition on a field
    /// that does not exist and returns any rows), the value differs, or there is more than one match.
    case inconclusive(reason: String)

    /// The rule, in one place: `rows` are the Table API's `result` array for
    /// `sysparm_query=client_session_id=<id>&sysparm_fields=sys_id,number,client_session_id&sysparm_limit=2`.
    public static func decide(rows: [JSONValue], clientSessionId: String) -> InteractionLookup {
        if rows.isEmpty { return .notFound }
        var matches: [(sysId: String, number: String?)] = []
        for row in rows {
            guard let sessionField = row["client_session_id"] else {
                return .inconclusive(
                    reason: "the lookup's rows have no client_session_id field: the interaction table may not have it, "
                        + "or the integration user cannot read it, so the query matched unrelated records")
            }
            guard sessionField.stringValue == clientSessionId else {
                return .inconclusive(
                    reason: "the lookup returned a record whose client_session_id is not \(JSONValue.string(clientSessionId).jsonString) "
                        + "(the query condition was not applied)")
            }
            guard let sysId = row["sys_id"]?.stringValue, !sysId.isEmpty else {
                return .inconclusive(reason: "the lookup's matching row has no sys_id")
            }
            matches.append((sysId, row["number"]?.stringValue))
        }
        guard matches.count == 1 else {
            return .inconclusive(
                reason: "\(matches.count) interaction records have client_session_id \(JSONValue.string(clientSessionId).jsonString); "
                    + "a person must decide which one this call is")
        }
        return .found(sysId: matches[0].sysId, number: matches[0].number)
    }
}
