import JSON
import OpenFrame

/// JSON Schemas (draft 2020-12) of the create and update payloads, generated from `PayloadSchema`,
/// so other tools (editors' JSON support, CI validators) check the shape the server checks.
///
/// What a schema can say, it says: types, required members, members beyond the reference's
/// (`additionalProperties: false`), empty values, and the textual forms (E.164, sys_id, table and
/// column names, date-times) as patterns. It cannot grade: the core reports some of these as
/// warnings (an unknown member, a GUID that is not a sys_id, a name that is not a column name),
/// and checks what no pattern can (numbering plans, calendar dates, duplicate related records).
/// So a payload the schema accepts has no error from the core, and the core remains the authority.
public enum JSONSchemaGenerator {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// The command that rewrites the checked-in files; the drift test prints it.
    public static let regenerateCommand = "swift run openframe-rpc schema --write schema/"

    /// `create.schema.json`, `update.schema.json`.
    public static func fileName(for operation: Operation) -> String { "\(operation.rawValue).schema.json" }

    /// The checked-in form: indented by two spaces, with a final newline.
    public static func fileContents(for operation: Operation) -> [UInt8] {
        JSONWriter.serialize(schema(for: operation), indent: 2) + [0x0A]
    }

    public static func schema(for operation: Operation) -> JSONValue {
        let root = PayloadSchema.root
        var description = root.summary
        switch operation {
        case .create:
            description += " Request body of POST /api/now/openframe/voice-interaction."
        case .update:
            description +=
                " Request body of PATCH /api/now/openframe/voice-interaction/{interactionSysId}; the "
                + "interactionSysId travels in the URL, not in the payload: \(PayloadSchema.interactionSysId.summary)"
        }
        var members: [(key: String, value: JSONValue)] = [
            ("$schema", .string(dialect)),
            ("$comment", .string("Generated from the openframe-rpc payload schema by `\(regenerateCommand)`; do not edit.")),
            ("title", .string("openframe voice interaction, \(operation.rawValue) payload")),
            ("description", .string(description)),
        ]
        members += body(root, operation: operation)
        return .object(JSONObject(members))
    }

    /// The regular expression a textual form is checked with here; the core's check is the authority
    /// and tests hold the two together.
    public static func pattern(_ format: MemberSpec.Format) -> String {
        switch format {
        case .e164:
            "^\\+[1-9][0-9]{\(E164.minimumDigits - 1),\(E164.maximumDigits - 1)}$"
        case .sysId:
            "^[0-9a-fA-F]{32}$"
        case .tableName, .columnName:
            "^[a-z][a-z0-9_]{0,\(ColumnName.maxLength - 1)}$"
        case .dateTime:
            "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
        }
    }

    static let scalarTypes: JSONValue = ["string", "number", "boolean", "null"]

    static func node(_ spec: MemberSpec, operation: Operation) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("description", .string(description(spec)))]
        members += body(spec, operation: operation)
        return .object(JSONObject(members))
    }

    private static func description(_ spec: MemberSpec) -> String {
        var text = spec.summary
        if let format = spec.format { text += " Format: \(format.rawValue)." }
        if let mapsTo = spec.mapsTo { text += " Maps to: \(mapsTo)." }
        return text
    }

    private static func body(_ spec: MemberSpec, operation: Operation) -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = []
        switch spec.type {
        case .object, .scalarMap:
            members.append(("type", "object"))
            if !spec.children.isEmpty {
                members.append(
                    ("properties", .object(JSONObject(spec.children.map { (key: $0.name, value: node($0, operation: operation)) }))))
            }
            let required = spec.children.filter { $0.isRequired(for: operation) }.map { JSONValue.string($0.name) }
            if !required.isEmpty { members.append(("required", .array(required))) }
            if spec.isClosed {
                members.append(("additionalProperties", false))
            } else {
                members.append(("additionalProperties", ["type": scalarTypes]))
                if let format = spec.keyFormat { members.append(("propertyNames", ["pattern": .string(pattern(format))])) }
            }
            if spec.nonEmpty { members.append(("minProperties", 1)) }
        case .array:
            members.append(("type", "array"))
            if let element = spec.element { members.append(("items", node(element, operation: operation))) }
        case .string:
            members.append(("type", "string"))
            if spec.nonEmpty { members.append(("minLength", 1)) }
            if let format = spec.format { members.append(("pattern", .string(pattern(format)))) }
        case .scalar:
            if let format = spec.format {
                // A formatted field holds the form as a string, or null to clear it.
                members.append(("type", ["string", "null"]))
                members.append(("pattern", .string(pattern(format))))
            } else {
                members.append(("type", scalarTypes))
            }
        }
        return members
    }
}
