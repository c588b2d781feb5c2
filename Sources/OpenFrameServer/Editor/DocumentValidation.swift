import JSON
import OpenFrame

/// The validation core applied to an editor document: its operation comes from its name, and it
/// carries no interaction sys_id (that travels in the URL).
enum DocumentValidation {
    static func diagnostics(_ snapshot: DocumentSnapshot) -> [Diagnostic] {
        Validator.validate(text: snapshot.text, operation: snapshot.operation, interactionSysId: nil).diagnostics
    }

    /// The cached diagnostics of this exact state, or a fresh validation.
    static func diagnostics(_ snapshot: DocumentSnapshot, store: DocumentStore) -> [Diagnostic] {
        store.diagnostics(for: snapshot) ?? diagnostics(snapshot)
    }
}
