import JSON

extension Sandbox {
    /// The Table API lookup answered from the stored records, with the rows the instance would give
    /// (at most two, `sys_id`, `number`, `client_session_id`), decided by the same rule.
    public func findInteraction(clientSessionId: String) async throws(ForwardingError) -> InteractionLookup {
        let rows: [JSONValue] = records.values
            .filter { $0["interaction"]?["clientSessionId"]?.stringValue == clientSessionId }
            .sorted { ($0["number"]?.stringValue ?? "") < ($1["number"]?.stringValue ?? "") }
            .prefix(2)
            .map { record in
                ["sys_id": record["sysId"] ?? .null, "number": record["number"] ?? .null, "client_session_id": .string(clientSessionId)]
            }
        return InteractionLookup.decide(rows: rows, clientSessionId: clientSessionId)
    }
}
