import JSON

/// One create or update accepted for durable delivery, as the outbox file's lines build it up.
public struct OutboxItem: Sendable, Equatable {
    public enum Operation: String, Sendable { case create, update }

    /// Where an item stands. `queued` is waiting for (or in) delivery; the other three are outcomes.
    public enum State: String, Sendable, CaseIterable {
        case queued, delivered, parked, failed
    }

    public var id: String
    /// Order of acceptance; deliveries of one interaction go in this order.
    public var seq: Int
    public var operation: Operation
    public var payload: JSONValue
    public var apiVersion: String?
    /// Deliveries with the same key go one at a time, in `seq` order: the create's outboxId, or the sysId updated.
    public var key: String
    /// An update that names a create's outboxId instead of a sysId.
    public var dependsOn: String?
    /// For an update, the record it goes to (known at once, or once `dependsOn` is delivered);
    /// for a delivered create, the record it made.
    public var sysId: String?
    public var state: State
    /// Sends that went out (or may have).
    public var attempts: Int
    /// A send went out and its outcome is unknown: before anything is sent again, the item must be
    /// looked up (create) or be safe to re-apply (update). Survives restarts: a crash mid-send sets it.
    public var outcomeUnknown: Bool
    /// Seconds since 1970 when the last send started: with an unknown outcome, the outbox waits before it
    /// looks the item up or sends it again, so a request the instance is still working on can finish.
    public var sentEpoch: Double?
    /// Why it is parked or failed, or the last reason a delivery attempt did not succeed.
    public var reason: String?
    /// The instance's result (delivered), or the error object (failed).
    public var result: JSONObject?
    public var queuedAt: String
    /// Seconds since 1970 when it was accepted: --outbox-max-age counts from here.
    public var queuedEpoch: Double
    public var updatedAt: String

    /// The update sets interaction / interactionContext values only, so applying it twice leaves the record as
    /// applying it once does; phone logs and related records may be added to, so those updates are not.
    public var isIdempotentUpdate: Bool {
        guard operation == .update, case .object(let members) = payload else { return false }
        return members.keys.allSatisfy { $0 == "interaction" || $0 == "interactionContext" }
    }

    /// The create's `interaction.clientSessionId`, the key the outbox looks the record up by.
    public var clientSessionId: String? {
        guard operation == .create, let id = payload["interaction"]?["clientSessionId"]?.stringValue, !id.isEmpty else { return nil }
        return id
    }

    /// The item as `openframe/outbox` and `openframe-rpc outbox --format json` show it (the payload included).
    public var json: JSONObject {
        var out: JSONObject = [
            "outboxId": .string(id), "operation": .string(operation.rawValue), "state": .string(state.rawValue),
            "attempts": .int(attempts), "queuedAt": .string(queuedAt), "updatedAt": .string(updatedAt),
        ]
        if let dependsOn { out["dependsOn"] = .string(dependsOn) }
        if let sysId { out["sysId"] = .string(sysId) }
        if let apiVersion { out["apiVersion"] = .string(apiVersion) }
        if let reason { out["reason"] = .string(reason) }
        if let result { out[state == .failed ? "error" : "result"] = .object(result) }
        if outcomeUnknown { out["outcomeUnknown"] = .bool(true) }
        out["payload"] = payload
        return out
    }
}
