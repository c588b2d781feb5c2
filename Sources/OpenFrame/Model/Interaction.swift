import JSON

/// The `interaction` member: what the Interaction [interaction] record is created or updated with.
public struct Interaction: Sendable, Hashable {
    /// E.164. Required on create.
    public var userPhoneNumber: String?
    /// E.164; lands in the record's caller_phone_number field.
    public var callbackPhoneNumber: String?
    /// The external system's id for this call, linking its record to ours.
    public var clientSessionId: String?
    /// The voice provider's application (Provider Channel Application [sys_cs_provider_application]).
    public var inboundId: String?
    /// Interaction record fields by column name.
    public var additionalParams: JSONObject

    public init(
        userPhoneNumber: String? = nil, callbackPhoneNumber: String? = nil, clientSessionId: String? = nil,
        inboundId: String? = nil, additionalParams: JSONObject = JSONObject()
    ) {
        self.userPhoneNumber = userPhoneNumber
        self.callbackPhoneNumber = callbackPhoneNumber
        self.clientSessionId = clientSessionId
        self.inboundId = inboundId
        self.additionalParams = additionalParams
    }

    /// From a validated payload's `interaction`; anything it does not know, or of the wrong type, is ignored.
    public init(_ node: JSONNode) {
        self.init(
            userPhoneNumber: node["userPhoneNumber"]?.stringValue,
            callbackPhoneNumber: node["callbackPhoneNumber"]?.stringValue,
            clientSessionId: node["clientSessionId"]?.stringValue,
            inboundId: node["inboundId"]?.stringValue,
            additionalParams: node["additionalParams"].flatMap { $0.value.objectValue } ?? JSONObject())
    }

    /// The wire form, in the reference's member order; absent members stay absent.
    public var json: JSONValue {
        var object = JSONObject()
        object["userPhoneNumber"] = userPhoneNumber.map(JSONValue.string)
        object["clientSessionId"] = clientSessionId.map(JSONValue.string)
        object["callbackPhoneNumber"] = callbackPhoneNumber.map(JSONValue.string)
        object["inboundId"] = inboundId.map(JSONValue.string)
        if !additionalParams.isEmpty { object["additionalParams"] = .object(additionalParams) }
        return .object(object)
    }
}
