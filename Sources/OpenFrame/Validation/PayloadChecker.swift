import JSON

/// One walk of a payload against `PayloadSchema`. The generic part (types, known, unknown and
/// required members) comes from the schema; the formats (E.164, names, date-times) dispatch on
/// `MemberSpec.format`.
///
/// Runs on every request, so the clean path allocates nothing: keys are compared in place,
/// paths are closures evaluated only when a diagnostic needs one, and messages are built only
/// for diagnostics.
struct PayloadChecker {
    typealias Path = () -> JSONPointer

    let operation: Operation
    private(set) var diagnostics: [Diagnostic] = []

    init(operation: Operation) {
        self.operation = operation
    }

    mutating func report(
        _ code: DiagnosticCode, _ message: String, path: JSONPointer, span: SourceSpan?, fix: DiagnosticFix? = nil
    ) {
        diagnostics.append(Diagnostic(code, message, path: path, span: span, fix: fix))
    }

    // MARK: the sys_id in the URL

    mutating func checkInteractionSysId(_ sysId: String?) {
        guard operation == .update else { return }
        guard let sysId else {
            return report(
                .missingSysId,
                "An update needs the interactionSysId of the interaction record; it becomes part of the URL "
                    + "(/voice-interaction/{interactionSysId}) and is returned by create.",
                path: JSONPointer(), span: nil)
        }
        guard !SysID.isValid(sysId) else { return }
        report(
            .invalidSysId,
            "interactionSysId \(quoted(sysId)) is not a sys_id (32 hexadecimal characters); it becomes part of a URL, "
                + "so it must be exactly the sys_id create returned.",
            path: JSONPointer(), span: nil)
    }

    // MARK: values, by schema type

    mutating func check(_ node: JSONNode, as spec: MemberSpec, key: JSONNode?, path: Path) {
        switch spec.type {
        case .object:
            guard node.kind == .object else { return wrongType(node, spec, path()) }
            checkMembers(of: node, spec, key: key, path: path)
        case .scalarMap:
            guard node.kind == .object else { return wrongType(node, spec, path()) }
            checkFields(of: node, spec, path: path)
        case .array:
            guard node.kind == .array else { return wrongType(node, spec, path()) }
            guard let element = spec.element else { return }
            for (index, item) in node.elements.enumerated() {
                check(item, as: element, key: nil, path: { path() / index })
            }
            if spec === PayloadSchema.relatedRecords, node.count > 1 { checkDuplicateRecords(node, path: path) }
        case .string:
            guard node.kind == .string else { return wrongType(node, spec, path()) }
            checkString(node, spec, path: path)
        case .scalar:
            guard isScalar(node) else { return nonScalar(node, path()) }
            if spec.format == .dateTime { checkDateTime(node, path: path) }
        }
    }

    /// A closed object: every name must be in the schema; required ones must be present.
    private mutating func checkMembers(of node: JSONNode, _ spec: MemberSpec, key: JSONNode?, path: Path) {
        var present: UInt64 = 0
        var known = 0
        for member in node.members {
            if let index = childIndex(spec, member.keyNode) {
                let child = spec.children[index]
                present |= 1 << UInt64(index)
                known += 1
                check(member.value, as: child, key: member.keyNode, path: { path() / child.name })
            } else {
                unknownMember(member, in: spec, path: path)
            }
        }
        var missing = false
        for (index, child) in spec.children.enumerated()
        where present & (1 << UInt64(index)) == 0 && child.isRequired(for: operation) {
            missing = true
            missingMember(child, in: node, key: key, path: path())
        }
        // A missing required member already says the object needs something; one error is enough.
        if spec.nonEmpty, known == 0, !missing {
            let name = DisplayName.of(path())
            report(
                emptyCode(spec),
                "\(name) has no parameter; the API requires at least one of \(orList(spec.children.map(\.name))).",
                path: path(), span: node.span)
        }
    }

    /// An open object of name → scalar: record fields, context variables.
    private mutating func checkFields(of node: JSONNode, _ spec: MemberSpec, path: Path) {
        if spec.nonEmpty, node.count == 0 {
            report(
                emptyCode(spec),
                "\(DisplayName.of(path())) has no fields; a phone log needs at least one field of the Phone Log "
                    + "[sn_open_frame_phone_log] table, such as call_id or start_time.",
                path: path(), span: node.span)
            return
        }
        for member in node.members {
            if spec.keyFormat == .columnName { checkColumnName(member.keyNode, in: spec, path: { path() / member.key }) }
            if let index = childIndex(spec, member.keyNode) {
                let child = spec.children[index]
                check(member.value, as: child, key: member.keyNode, path: { path() / child.name })
            } else if !isScalar(member.value) {
                nonScalar(member.value, path() / member.key)
            }
        }
    }

    private func childIndex(_ spec: MemberSpec, _ key: JSONNode) -> Int? {
        let children = spec.children
        for index in children.indices where key.stringEquals(children[index].name) { return index }
        return nil
    }

    private func emptyCode(_ spec: MemberSpec) -> DiagnosticCode {
        spec === PayloadSchema.interaction ? .emptyInteraction : .emptyPhoneLog
    }

    // MARK: strings and formats

    private mutating func checkString(_ node: JSONNode, _ spec: MemberSpec, path: Path) {
        if spec.nonEmpty, node.span.end - node.span.start == 2 {
            report(
                .emptyString,
                "\(DisplayName.of(path())) is empty; expected a non-empty string, since an empty \(spec.name) identifies nothing.",
                path: path(), span: node.span)
            return
        }
        switch spec.format {
        case .e164: checkPhoneNumber(node, path: path)
        case .tableName: checkTableName(node, path: path)
        case .sysId: checkDocumentId(node, path: path)
        case .columnName, .dateTime, nil: break
        }
    }

    private mutating func checkPhoneNumber(_ node: JSONNode, path: Path) {
        let text = node.stringValue ?? ""
        switch E164.check(text) {
        case .valid:
            break
        case .impossible(_, let reason):
            report(
                .impossiblePhoneNumber,
                "\(DisplayName.of(path())) \(quoted(text)) has the E.164 shape but cannot be a real number: "
                    + "\(clause(reason)).",
                path: path(), span: node.span)
        case .invalid(let reason, let suggestion):
            var message = "\(DisplayName.of(path())) \(quoted(text)) is not an E.164 phone number "
                + "(+, country code and number, digits only, e.g. +14089965744): \(clause(reason))"
            var fix: DiagnosticFix?
            if let suggestion {
                message += "; did you mean \(suggestion)?"
                fix = DiagnosticFix(title: "Use \(suggestion)", edit: .replaceValue(.string(suggestion)))
            } else {
                message += "."
            }
            report(.invalidPhoneNumber, message, path: path(), span: node.span, fix: fix)
        }
    }

    private mutating func checkTableName(_ node: JSONNode, path: Path) {
        guard !ColumnName.isValid(content(node)) else { return }
        let name = node.stringValue ?? ""
        let suggestion = ColumnName.suggestion(for: name)
        report(
            .invalidTableName,
            "\(DisplayName.of(path())) \(quoted(name)) is not a ServiceNow table name: expected \(ColumnName.rule)"
                + (suggestion.map { ", such as \($0)." } ?? "."),
            path: path(), span: node.span,
            fix: suggestion.map { DiagnosticFix(title: "Use \($0)", edit: .replaceValue(.string($0))) })
    }

    private mutating func checkDocumentId(_ node: JSONNode, path: Path) {
        let bytes = content(node)
        guard bytes.count != 32 || !bytes.allSatisfy(SysID.isHexDigit) else { return }
        report(
            .unusualDocumentId,
            "\(DisplayName.of(path())) \(quoted(node.stringValue ?? "")) is not a sys_id (32 hexadecimal characters); "
                + "the platform allows other GUIDs, so check that it names the related record.",
            path: path(), span: node.span)
    }

    private mutating func checkColumnName(_ key: JSONNode, in spec: MemberSpec, path: Path) {
        guard !ColumnName.isValid(content(key)) else { return }
        let name = key.stringValue ?? ""
        let suggestion = ColumnName.suggestion(for: name)
        let owner = DisplayName.of(JSONPointer(path().tokens.dropLast()))
        report(
            .invalidColumnName,
            "\(quoted(name)) in \(owner) is not a ServiceNow column name, so it matches no field: expected "
                + "\(ColumnName.rule)" + (suggestion.map { ", such as \($0)." } ?? "."),
            path: path(), span: key.span,
            fix: suggestion.map { DiagnosticFix(title: "Rename to \($0)", edit: .renameKey($0)) })
    }

    private mutating func checkDateTime(_ node: JSONNode, path: Path) {
        if node.kind == .null { return }
        if node.kind == .string, PlatformDateTime.isValid(content(node)) { return }
        let name = DisplayName.of(path())
        let form = "the platform's yyyy-MM-dd HH:mm:ss"
        guard node.kind == .string, let text = node.stringValue else {
            return report(
                .invalidDateTime, "\(name) must be a string in \(form) form; found \(node.kind).",
                path: path(), span: node.span)
        }
        let zone = "the instance's or user's time zone"
        let message: String
        var fix: DiagnosticFix?
        switch PlatformDateTime.readISO8601(text) {
        case .local(let platform):
            message = "\(name) \(quoted(text)) is ISO 8601, not \(form); use \(platform), which the platform reads in \(zone)."
            fix = DiagnosticFix(title: "Use \(platform)", edit: .replaceValue(.string(platform)))
        case .utc(let platform):
            message = "\(name) \(quoted(text)) is ISO 8601 in UTC, not \(form); \(platform) keeps the time as UTC, "
                + "but the platform reads it in \(zone), so convert it unless that zone is UTC."
            fix = DiagnosticFix(title: "Use \(platform) (as UTC)", edit: .replaceValue(.string(platform)))
        case .offset:
            message = "\(name) \(quoted(text)) is ISO 8601 with a UTC offset, not \(form); convert it to \(zone), "
                + "which the platform reads it in."
        case nil:
            message = "\(name) \(quoted(text)) is not a real date-time in \(form) form (months 01-12, days the month has, "
                + "hours 00-23, minutes and seconds 00-59)."
        }
        report(.invalidDateTime, message, path: path(), span: node.span, fix: fix)
    }

    // MARK: structural problems

    private mutating func wrongType(_ node: JSONNode, _ spec: MemberSpec, _ path: JSONPointer) {
        report(
            .wrongType, "\(DisplayName.capitalized(path)) must be \(expected(spec)); found \(node.kind).",
            path: path, span: node.span)
    }

    private mutating func nonScalar(_ node: JSONNode, _ path: JSONPointer) {
        report(
            .nonScalarValue,
            "\(DisplayName.of(path)) must be a string, number, boolean or null, the values a field holds; found \(node.kind).",
            path: path, span: node.span)
    }

    private mutating func missingMember(_ child: MemberSpec, in node: JSONNode, key: JSONNode?, path: JSONPointer) {
        let memberPath = path / child.name
        let when = child.requiredFor.count == Operation.allCases.count
            ? "" : " to \(operation.rawValue) a voice interaction"
        report(
            .missingMember,
            "\(DisplayName.of(memberPath)) is required\(when); expected \(expected(child)).",
            path: memberPath,
            span: key?.span ?? SourceSpan(start: node.span.start, end: node.span.start + 1))
    }

    private mutating func unknownMember(_ member: JSONNode.Member, in spec: MemberSpec, path: Path) {
        let key = member.key
        let memberPath = path() / key
        let place = spec === PayloadSchema.root ? "at the top level of the payload" : "in \(DisplayName.of(path()))"
        let names = spec.children.map(\.name)
        var fix: DiagnosticFix?
        let message: String
        if MemberSuggestion.isClose(key, PayloadSchema.interactionSysId.name) {
            message = "\(quoted(key)) does not belong \(place); it travels beside the payload, in the URL "
                + "(/voice-interaction/{interactionSysId}), so pass it as the interactionSysId parameter."
        } else if let suggestion = MemberSuggestion.closest(to: key, among: names) {
            message = "Unknown member \(quoted(key)) \(place); did you mean \(quoted(suggestion))?"
            fix = DiagnosticFix(title: "Rename to \(suggestion)", edit: .renameKey(suggestion))
        } else if spec === PayloadSchema.interaction {
            message = "Unknown member \(quoted(key)) in interaction, which takes only \(orList(names)); "
                + "record fields belong in interaction.additionalParams."
        } else if spec === PayloadSchema.root,
                  let inner = MemberSuggestion.closest(to: key, among: PayloadSchema.interaction.children.map(\.name)) {
            message = "Unknown member \(quoted(key)) at the top level of the payload; \(inner) belongs inside interaction."
        } else {
            message = "Unknown member \(quoted(key)) \(place); expected \(orList(names))."
        }
        report(.unknownMember, message, path: memberPath, span: member.keyNode.span, fix: fix)
    }

    /// The same record twice relates it once; the second entry is noise or a copy-paste slip.
    private mutating func checkDuplicateRecords(_ array: JSONNode, path: Path) {
        var earlier: [(index: Int, table: JSONNode, id: JSONNode)] = []
        for (index, element) in array.elements.enumerated() {
            guard let table = element["documentTable"], table.kind == .string,
                  let id = element["documentId"], id.kind == .string
            else { continue }
            if let first = earlier.first(where: { sameString($0.table, table) && sameString($0.id, id) }) {
                let name = DisplayName.of(path() / index)
                report(
                    .duplicateRelatedRecord,
                    "\(name) repeats \(DisplayName.of(path() / first.index)) (\(table.stringValue ?? "") "
                        + "\(id.stringValue ?? "")); a record is related once, so remove one of them.",
                    path: path() / index, span: element.span)
            } else {
                earlier.append((index, table, id))
            }
        }
    }

    // MARK: helpers

    private func expected(_ spec: MemberSpec) -> String {
        switch spec.type {
        case .object, .scalarMap: "an object"
        case .array: spec.element.map { $0.type == .object || $0.type == .scalarMap } == true ? "an array of objects" : "an array"
        case .string: spec.format == .e164 ? "a string in E.164 form" : "a string"
        case .scalar: "a string, number, boolean or null"
        }
    }

    private func isScalar(_ node: JSONNode) -> Bool {
        let kind = node.kind
        return kind != .object && kind != .array
    }

    /// A string node's content bytes, in place unless it holds escapes.
    private func content(_ node: JSONNode) -> ArraySlice<UInt8> {
        let raw = node.rawBytes.dropFirst().dropLast()
        guard raw.contains(UInt8(ascii: "\\")) else { return raw }
        return ArraySlice(Array((node.stringValue ?? "").utf8))
    }

    private func sameString(_ a: JSONNode, _ b: JSONNode) -> Bool {
        let x = a.rawBytes, y = b.rawBytes
        if !x.contains(UInt8(ascii: "\\")), !y.contains(UInt8(ascii: "\\")) { return x.elementsEqual(y) }
        return a.stringValue == b.stringValue
    }
}

/// A value as messages quote it: JSON string syntax, so quotes and control characters stay visible.
func quoted(_ text: String) -> String { JSONValue.string(text).jsonString }

/// A reason from elsewhere, fitted into our sentence.
private func clause(_ text: String) -> String {
    var text = Substring(text)
    while text.last == "." { text = text.dropLast() }
    return String(text)
}
