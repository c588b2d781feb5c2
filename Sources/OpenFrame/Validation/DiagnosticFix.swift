import JSON

/// A correction the validator is sure enough of to offer as a one-click edit.
public struct DiagnosticFix: Sendable, Equatable {
    public enum Edit: Sendable, Equatable {
        /// Replace the value at the diagnostic's path.
        case replaceValue(JSONValue)
        /// Rename the key at the diagnostic's path, keeping its value.
        case renameKey(String)
    }

    /// What the edit does, as a menu item says it ("Use +14089965744").
    public var title: String
    public var edit: Edit

    public init(title: String, edit: Edit) {
        self.title = title
        self.edit = edit
    }
}
