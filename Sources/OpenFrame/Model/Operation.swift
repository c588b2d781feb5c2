/// The two openframe endpoints. A payload is valid or not only relative to one of them:
/// create (POST) requires `interaction.userPhoneNumber`, update (PATCH) requires a sys_id in the URL.
public enum Operation: String, Sendable, CaseIterable {
    /// POST /api/now/openframe/voice-interaction
    case create
    /// PATCH /api/now/openframe/voice-interaction/{interactionSysId}
    case update
}

extension Operation {
    /// The one rule for payload documents (files, editor buffers) that carry no operation of their own:
    /// a name ending in `.update.json` is an update, any other a create.
    public init(documentName: String) {
        self = documentName.lowercased().hasSuffix(".update.json") ? .update : .create
    }
}
