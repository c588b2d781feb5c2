import JSON
import OpenFrame

/// What hover and completion say about a member, written from `PayloadSchema` (the API reference's
/// descriptions) as Markdown. Nothing here restates a rule: types, formats, requirements and
/// mappings are read from the spec.
enum MemberDocumentation {
    /// `**userPhoneNumber** — interaction.userPhoneNumber`, the description, then type, requirement and mapping.
    static func markdown(_ spec: MemberSpec, at pointer: JSONPointer, operation: Operation) -> String {
        var lines = [heading(pointer), "", spec.summary, ""]
        lines.append("- Type: \(typeDescription(spec))")
        lines.append("- Required: \(requirement(spec, operation: operation))")
        if let mapsTo = spec.mapsTo { lines.append("- Maps to: \(mapsTo)") }
        return lines.joined(separator: "\n")
    }

    /// A name the schema does not list, inside a name-value object that allows any (a record field,
    /// a context variable): described by that object.
    static func fieldMarkdown(_ parent: MemberSpec, at pointer: JSONPointer) -> String {
        var lines = [
            heading(pointer), "", "A name-value pair of `\(referenceName(JSONPointer(pointer.tokens.dropLast())))`: \(parent.summary)", "",
        ]
        lines.append("- Type: \(valueTypes)")
        if let format = parent.keyFormat { lines.append("- Name: \(formatDescription(format))") }
        lines.append("- Required: no")
        if let mapsTo = parent.mapsTo { lines.append("- Maps to: \(mapsTo)") }
        return lines.joined(separator: "\n")
    }

    /// One line for a completion item's `detail`: `string, E.164 · required`.
    static func detail(_ spec: MemberSpec, operation: Operation) -> String {
        var text = spec.type == .array ? "array" : shortType(spec)
        if let format = spec.format { text += ", \(format.rawValue)" }
        if spec.isRequired(for: operation) { text += " · required" }
        return text
    }

    /// The name as the API reference writes it: dotted, without array indices (`relatedRecords.documentId`).
    static func referenceName(_ pointer: JSONPointer) -> String {
        var names: [String] = []
        var spec: MemberSpec? = PayloadSchema.root
        for token in pointer.tokens {
            if spec?.type == .array {
                spec = spec?.element
                continue
            }
            names.append(token)
            spec = spec?.child(named: token)
        }
        return names.joined(separator: ".")
    }

    private static func heading(_ pointer: JSONPointer) -> String {
        let name = pointer.tokens.last ?? ""
        let full = referenceName(pointer)
        return full == name ? "**\(name)**" : "**\(name)** — `\(full)`"
    }

    static let valueTypes = "string, number, boolean or null"

    private static func shortType(_ spec: MemberSpec) -> String {
        switch spec.type {
        case .object, .scalarMap: "object"
        case .array: "array"
        case .string: "string"
        case .scalar: spec.format == nil ? valueTypes : formattedScalar
        }
    }

    /// A record field with a textual form holds it as a string, or null to clear it (as the generated schemas say).
    static let formattedScalar = "string or null"

    static func typeDescription(_ spec: MemberSpec) -> String {
        var text: String
        switch spec.type {
        case .object:
            text = "object"
        case .scalarMap:
            text = "object of name-value pairs, each value a \(valueTypes)"
            if let format = spec.keyFormat { text += "; each name a \(formatDescription(format))" }
        case .array:
            text = spec.element.map { $0.type == .object || $0.type == .scalarMap } == true ? "array of objects" : "array"
        case .string:
            text = "string"
        case .scalar:
            text = spec.format == nil ? valueTypes : formattedScalar
        }
        if let format = spec.format { text += "; \(formatDescription(format))" }
        if spec.nonEmpty { text += spec.type == .string ? "; not empty" : "; at least one member" }
        return text
    }

    static func formatDescription(_ format: MemberSpec.Format) -> String {
        switch format {
        case .e164: "E.164: `+`, country code and number, digits only (e.g. `+14089965744`)"
        case .sysId: "sys_id: 32 hexadecimal characters"
        case .tableName: "table name: a lowercase letter, then lowercase letters, digits and underscores (at most \(ColumnName.maxLength))"
        case .columnName:
            "column name: a lowercase letter, then lowercase letters, digits and underscores (at most \(ColumnName.maxLength))"
        case .dateTime: "date-time `yyyy-MM-dd HH:mm:ss`, read in the instance's or user's time zone"
        }
    }

    static func requirement(_ spec: MemberSpec, operation: Operation) -> String {
        let required = Operation.allCases.filter { spec.isRequired(for: $0) }
        if required.isEmpty { return "no" }
        if required.count == Operation.allCases.count { return "yes" }
        let other = Operation.allCases.first { $0 != operation }!
        return spec.isRequired(for: operation)
            ? "yes, in \(article(operation)) payload (this document is one); not in \(article(other))"
            : "no, in \(article(operation)) payload (this document is one); yes in \(article(other))"
    }

    private static func article(_ operation: Operation) -> String {
        switch operation {
        case .create: "a create"
        case .update: "an update"
        }
    }
}
