import JSON

/// The request body of create and update: the interaction record plus what is attached to it.
public struct VoiceInteraction: Sendable, Hashable {
    public var interaction: Interaction
    /// CCaaS-defined context variables saved with the interaction.
    public var interactionContext: JSONObject
    public var phoneLogs: [PhoneLog]
    public var relatedRecords: [RelatedRecord]

    public init(
        interaction: Interaction, interactionContext: JSONObject = JSONObject(), phoneLogs: [PhoneLog] = [],
        relatedRecords: [RelatedRecord] = []
    ) {
        self.interaction = interaction
        self.interactionContext = interactionContext
        self.phoneLogs = phoneLogs
        self.relatedRecords = relatedRecords
    }

    /// From a payload `Validator` has accepted. Lenient: unknown members and values of the wrong
    /// type are skipped rather than trapped on, since validation already reported them.
    public init(_ node: JSONNode) {
        self.init(
            interaction: node["interaction"].map(Interaction.init) ?? Interaction(),
            interactionContext: node["interactionContext"].flatMap { $0.value.objectValue } ?? JSONObject(),
            phoneLogs: node["phoneLogs"].map { $0.elements.filter { $0.kind == .object }.map(PhoneLog.init) } ?? [],
            relatedRecords: node["relatedRecords"].map { $0.elements.filter { $0.kind == .object }.map(RelatedRecord.init) } ?? [])
    }

    /// The wire form, in the reference's member order; empty optional members are left out
    /// (the API's default for each is "None").
    public var json: JSONValue {
        var object: JSONObject = ["interaction": interaction.json]
        if !interactionContext.isEmpty { object["interactionContext"] = .object(interactionContext) }
        if !phoneLogs.isEmpty { object["phoneLogs"] = .array(phoneLogs.map(\.json)) }
        if !relatedRecords.isEmpty { object["relatedRecords"] = .array(relatedRecords.map(\.json)) }
        return .object(object)
    }
}
