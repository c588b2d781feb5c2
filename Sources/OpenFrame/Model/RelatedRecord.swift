import JSON

/// A record (a customer, a case, a user…) linked to the interaction.
public struct RelatedRecord: Sendable, Hashable {
    /// The table holding the record, e.g. csm_consumer.
    public var documentTable: String
    /// The record's sys_id.
    public var documentId: String

    public init(documentTable: String, documentId: String) {
        self.documentTable = documentTable
        self.documentId = documentId
    }

    /// From a validated payload's entry; a member of the wrong type reads as empty.
    public init(_ node: JSONNode) {
        self.init(
            documentTable: node["documentTable"]?.stringValue ?? "",
            documentId: node["documentId"]?.stringValue ?? "")
    }

    public var json: JSONValue {
        ["documentTable": .string(documentTable), "documentId": .string(documentId)]
    }
}
