import JSON

/// One Phone Log [sn_open_frame_phone_log] record to create with the call. Its fields are the
/// table's columns, which vary by instance, so they stay a name → value map.
public struct PhoneLog: Sendable, Hashable {
    public var fields: JSONObject

    public init(fields: JSONObject) {
        self.fields = fields
    }

    /// From a validated payload's phone log entry; a non-object gives an empty log.
    public init(_ node: JSONNode) {
        fields = node.value.objectValue ?? JSONObject()
    }

    /// The telephony system's call id, the field that ties a log to a call.
    public var callId: String? {
        get { fields["call_id"]?.stringValue }
        set { fields["call_id"] = newValue.map(JSONValue.string) }
    }

    public var json: JSONValue { .object(fields) }
}
