import JSON

/// One walk of a payload against `PayloadSchema`. The generic part (types, known, unknown and
/// required members) comes from the schema; the formats (E.164, names, date-times) dispatch on
/// `MemberSpec.format`.
///
/// Runs on every request, so the clean path builds no strings: keys are compared in place,
/// the place in the payload is a `Trail` turned into a pointer only for a diagnostic, and
/// messages are built only for diagnostics.
///
/// Nodes are tape indices read through a borrowed `JSONTape`, not `JSONNode`s: copying a node
/// retains the document, and the walk copies nodes at every member. A `JSONNode` is made only
/// for a diagnostic.
struct PayloadChecker {
    let operation: Operation
    let document: JSONDocument
    /// The document's tape, borrowed for the walk.
    let tape: JSONTape
    /// The text every node's span refers to.
    var bytes: UnsafeBufferPointer<UInt8> { tape.bytes }
    private(set) var diagnostics: [Diagnostic] = []

    init(operation: Operation, document: JSONDocument, tape: JSONTape) {
        self.operation = operation
        self.document = document
        self.tape = tape
    }

    private func node(_ index: Int) -> JSONNode { document.node(at: index) }

    private func path(_ trail: Trail) -> JSONPointer { trail.pointer(in: bytes) }

    mutating func report(
        _ code: DiagnosticCode, _ message: String, path: JSONPointer, span: SourceSpan?, fix: DiagnosticFix? = nil
    ) {
        diagnostics.append(Diagnostic(code, message, path: path, span: span, fix: fix))
    }

    // MARK: the sys_id in the URL

    /// Checked when given, never required: see `Validator.validate`.
    mutating func checkInteractionSysId(_ sysId: String?) {
        guard operation == .update, let sysId else { return }
        guard !SysID.isValid(sysId) else { return }
        report(
            .invalidSysId,
            "interactionSysId \(quoted(sysId)) is not a sys_id (32 hexadecimal characters); it becomes part of a URL, "
                + "so it must be exactly the sys_id create returned.",
            path: JSONPointer(), span: nil)
    }

    // MARK: values, by schema type

    /// `keySpan` is the key of the member holding `node`, if it has one: where a missing
    /// member of `node` is reported.
    mutating func check(_ node: Int, as spec: MemberSpec, keySpan: SourceSpan?, at trail: Trail) {
        let kind = tape.kind(node)
        switch spec.type {
        case .object:
            guard kind == .object else { return wrongType(node, spec, at: trail) }
            checkMembers(of: node, spec, keySpan: keySpan, at: trail)
        case .scalarMap:
            guard kind == .object else { return wrongType(node, spec, at: trail) }
            checkFields(of: node, spec, at: trail)
        case .array:
            guard kind == .array else { return wrongType(node, spec, at: trail) }
            guard let element = spec.element else { return }
            var item = tape.firstChild(node)
            for index in 0..<tape.count(node) {
                check(item, as: element, keySpan: nil, at: trail.index(index))
                item = tape.next(item)
            }
            if spec === PayloadSchema.relatedRecords, tape.count(node) > 1 { checkDuplicateRecords(node, at: trail) }
        case .string:
            guard kind == .string else { return wrongType(node, spec, at: trail) }
            checkString(node, spec, at: trail)
        case .scalar:
            guard isScalar(node) else { return nonScalar(node, at: trail) }
            if spec.format == .dateTime { checkDateTime(node, at: trail) }
        }
    }

    /// A closed object: every name must be in the schema; required ones must be present.
    private mutating func checkMembers(of node: Int, _ spec: MemberSpec, keySpan: SourceSpan?, at trail: Trail) {
        var present: UInt64 = 0
        var known = 0
        let children = spec.children
        var keyNode = tape.firstChild(node)
        for _ in 0..<tape.count(node) {
            let key = tape.span(keyNode)
            if let index = childIndex(spec, keyNode) {
                present |= 1 << UInt64(index)
                known += 1
                check(keyNode + 1, as: children[index], keySpan: key, at: trail.key(key))
            } else {
                unknownMember(keyNode, in: spec, at: trail)
            }
            keyNode = tape.next(keyNode + 1)
        }
        var missing = false
        for (index, child) in children.enumerated()
        where present & (1 << UInt64(index)) == 0 && child.isRequired(for: operation) {
            missing = true
            missingMember(child, in: node, keySpan: keySpan, at: trail)
        }
        // A missing required member already says the object needs something; one error is enough.
        if spec.nonEmpty, known == 0, !missing {
            report(
                emptyCode(spec),
                "\(DisplayName.of(path(trail))) has no parameter; the API requires at least one of "
                    + "\(orList(children.map(\.name))).",
                path: path(trail), span: tape.span(node))
        }
    }

    /// An open object of name → scalar: record fields, context variables.
    private mutating func checkFields(of node: Int, _ spec: MemberSpec, at trail: Trail) {
        if spec.nonEmpty, tape.count(node) == 0 {
            return report(
                emptyCode(spec),
                "\(DisplayName.of(path(trail))) has no fields; a phone log needs at least one field of the Phone Log "
                    + "[sn_open_frame_phone_log] table, such as call_id or start_time.",
                path: path(trail), span: tape.span(node))
        }
        let columnNames = spec.keyFormat == .columnName
        let children = spec.children
        var keyNode = tape.firstChild(node)
        for _ in 0..<tape.count(node) {
            let key = tape.span(keyNode)
            let value = keyNode + 1
            if columnNames { checkColumnName(keyNode, at: trail.key(key)) }
            if !children.isEmpty, let index = childIndex(spec, keyNode) {
                check(value, as: children[index], keySpan: key, at: trail.key(key))
            } else if !isScalar(value) {
                nonScalar(value, at: trail.key(key))
            }
            keyNode = tape.next(value)
        }
    }

    private func childIndex(_ spec: MemberSpec, _ key: Int) -> Int? {
        let content = tape.literalContent(key)
        let names = spec.childNameBytes
        for index in names.indices {
            // Schema names are ASCII without escapes: equal bytes, or (rarely) an escaped literal
            // that decodes to them, which is necessarily longer.
            let equal = names[index].withUnsafeBufferPointer { name in
                if content.count == name.count { return sameBytes(content, name) }
                return content.count > name.count && tape.isEscaped(key) && node(key).stringEquals(spec.children[index].name)
            }
            if equal { return index }
        }
        return nil
    }

    private func emptyCode(_ spec: MemberSpec) -> DiagnosticCode {
        spec === PayloadSchema.interaction ? .emptyInteraction : .emptyPhoneLog
    }

    // MARK: strings and formats

    private mutating func checkString(_ node: Int, _ spec: MemberSpec, at trail: Trail) {
        if spec.nonEmpty, tape.span(node).end - tape.span(node).start == 2 {
            return report(
                .emptyString,
                "\(DisplayName.of(path(trail))) is empty; expected a non-empty string, since an empty \(spec.name) "
                    + "identifies nothing.",
                path: path(trail), span: tape.span(node))
        }
        switch spec.format {
        case .e164: checkPhoneNumber(node, at: trail)
        case .tableName: checkTableName(node, at: trail)
        case .sysId: checkDocumentId(node, at: trail)
        case .columnName, .dateTime, nil: break
        }
    }

    private mutating func checkPhoneNumber(_ index: Int, at trail: Trail) {
        let result = withContent(index) { E164.check(utf8: $0) }
        if case .valid = result { return }
        let node = node(index)
        let text = node.stringValue ?? ""
        let path = path(trail)
        switch result {
        case .valid:
            break
        case .impossible(_, let reason):
            // "<name> "<text>" has the E.164 shape but cannot be a real number: <reason>." in one buffer.
            var message: [UInt8] = []
            message.reserveCapacity(128 + reason.utf8.count + text.utf8.count)
            DisplayName.write(path, into: &message)
            message.append(UInt8(ascii: " "))
            JSONWriter.writeString(text, into: &message)  // quoted(text)
            message.append(contentsOf: " has the E.164 shape but cannot be a real number: ".utf8)
            appendClause(reason, into: &message)
            message.append(UInt8(ascii: "."))
            report(.impossiblePhoneNumber, String(decoding: message, as: UTF8.self), path: path, span: node.span)
        case .invalid(let reason, let suggestion):
            var message =
                "\(DisplayName.of(path)) \(quoted(text)) is not an E.164 phone number "
                + "(+, country code and number, digits only, e.g. +14089965744): \(clause(reason))"
            var fix: DiagnosticFix?
            if let suggestion {
                message += "; did you mean \(suggestion)?"
                fix = DiagnosticFix(title: "Use \(suggestion)", edit: .replaceValue(.string(suggestion)))
            } else {
                message += "."
            }
            report(.invalidPhoneNumber, message, path: path, span: node.span, fix: fix)
        }
    }

    private mutating func checkTableName(_ index: Int, at trail: Trail) {
        guard !withContent(index, { ColumnName.isValid($0) }) else { return }
        let node = node(index)
        let name = node.stringValue ?? ""
        let suggestion = ColumnName.suggestion(for: name)
        report(
            .invalidTableName,
            "\(DisplayName.of(path(trail))) \(quoted(name)) is not a ServiceNow table name: expected \(ColumnName.rule)"
                + (suggestion.map { ", such as \($0)." } ?? "."),
            path: path(trail), span: node.span,
            fix: suggestion.map { DiagnosticFix(title: "Use \($0)", edit: .replaceValue(.string($0))) })
    }

    private mutating func checkDocumentId(_ index: Int, at trail: Trail) {
        guard !withContent(index, { SysID.isValid($0) }) else { return }
        let node = node(index)
        report(
            .unusualDocumentId,
            "\(DisplayName.of(path(trail))) \(quoted(node.stringValue ?? "")) is not a sys_id (32 hexadecimal "
                + "characters); the platform allows other GUIDs, so check that it names the related record.",
            path: path(trail), span: node.span)
    }

    private mutating func checkColumnName(_ index: Int, at trail: Trail) {
        guard !withContent(index, { ColumnName.isValid($0) }) else { return }
        let key = node(index)
        let name = key.stringValue ?? ""
        let suggestion = ColumnName.suggestion(for: name)
        let owner = DisplayName.of(JSONPointer(path(trail).tokens.dropLast()))
        report(
            .invalidColumnName,
            "\(quoted(name)) in \(owner) is not a ServiceNow column name, so it matches no field: expected "
                + "\(ColumnName.rule)" + (suggestion.map { ", such as \($0)." } ?? "."),
            path: path(trail), span: key.span,
            fix: suggestion.map { DiagnosticFix(title: "Rename to \($0)", edit: .renameKey($0)) })
    }

    private mutating func checkDateTime(_ index: Int, at trail: Trail) {
        let kind = tape.kind(index)
        if kind == .null { return }
        if kind == .string, withContent(index, { PlatformDateTime.isValid($0) }) { return }
        let node = node(index)
        let name = DisplayName.of(path(trail))
        let form = "the platform's yyyy-MM-dd HH:mm:ss"
        guard node.kind == .string, let text = node.stringValue else {
            return report(
                .invalidDateTime, "\(name) must be a string in \(form) form; found \(node.kind).",
                path: path(trail), span: node.span)
        }
        let zone = "the instance's or user's time zone"
        let message: String
        var fix: DiagnosticFix?
        switch PlatformDateTime.readISO8601(text) {
        case .local(let platform):
            message = "\(name) \(quoted(text)) is ISO 8601, not \(form); use \(platform), which the platform reads in \(zone)."
            fix = DiagnosticFix(title: "Use \(platform)", edit: .replaceValue(.string(platform)))
        case .utc(let platform):
            message =
                "\(name) \(quoted(text)) is ISO 8601 in UTC, not \(form); \(platform) keeps the time as UTC, "
                + "but the platform reads it in \(zone), so convert it unless that zone is UTC."
            fix = DiagnosticFix(title: "Use \(platform) (as UTC)", edit: .replaceValue(.string(platform)))
        case .offset:
            message =
                "\(name) \(quoted(text)) is ISO 8601 with a UTC offset, not \(form); convert it to \(zone), "
                + "which the platform reads it in."
        case nil:
            message =
                "\(name) \(quoted(text)) is not a real date-time in \(form) form (months 01-12, days the month has, "
                + "hours 00-23, minutes and seconds 00-59)."
        }
        report(.invalidDateTime, message, path: path(trail), span: node.span, fix: fix)
    }

    // MARK: structural problems

    private mutating func wrongType(_ index: Int, _ spec: MemberSpec, at trail: Trail) {
        let node = node(index)
        report(
            .wrongType, "\(DisplayName.capitalized(path(trail))) must be \(expected(spec)); found \(node.kind).",
            path: path(trail), span: node.span)
    }

    private mutating func nonScalar(_ index: Int, at trail: Trail) {
        let node = node(index)
        report(
            .nonScalarValue,
            "\(DisplayName.of(path(trail))) must be a string, number, boolean or null, the values a field holds; "
                + "found \(node.kind).",
            path: path(trail), span: node.span)
    }

    private mutating func missingMember(_ child: MemberSpec, in index: Int, keySpan: SourceSpan?, at trail: Trail) {
        let node = node(index)
        let memberPath = path(trail) / child.name
        let when =
            child.requiredFor.count == Operation.allCases.count
            ? "" : " to \(operation.rawValue) a voice interaction"
        report(
            .missingMember,
            "\(DisplayName.of(memberPath)) is required\(when); expected \(expected(child)).",
            path: memberPath,
            span: keySpan ?? SourceSpan(start: node.span.start, end: node.span.start + 1))
    }

    private mutating func unknownMember(_ index: Int, in spec: MemberSpec, at trail: Trail) {
        let keyNode = node(index)
        let key = keyNode.stringValue ?? ""
        let place = spec === PayloadSchema.root ? "at the top level of the payload" : "in \(DisplayName.of(path(trail)))"
        let names = spec.children.map(\.name)
        var fix: DiagnosticFix?
        let message: String
        if MemberSuggestion.isClose(key, PayloadSchema.interactionSysId.name) {
            message =
                "\(quoted(key)) does not belong \(place); it travels beside the payload, in the URL "
                + "(/voice-interaction/{interactionSysId}), so pass it as the interactionSysId parameter."
        } else if let suggestion = MemberSuggestion.closest(to: key, among: names) {
            message = "Unknown member \(quoted(key)) \(place); did you mean \(quoted(suggestion))?"
            fix = DiagnosticFix(title: "Rename to \(suggestion)", edit: .renameKey(suggestion))
        } else if spec === PayloadSchema.interaction {
            message =
                "Unknown member \(quoted(key)) in interaction, which takes only \(orList(names)); "
                + "record fields belong in interaction.additionalParams."
        } else if spec === PayloadSchema.root,
            let inner = MemberSuggestion.closest(to: key, among: PayloadSchema.interaction.children.map(\.name))
        {
            message = "Unknown member \(quoted(key)) at the top level of the payload; \(inner) belongs inside interaction."
        } else {
            message = "Unknown member \(quoted(key)) \(place); expected \(orList(names))."
        }
        report(.unknownMember, message, path: path(trail) / key, span: keyNode.span, fix: fix)
    }

    /// The same record twice relates it once; the second entry is noise or a copy-paste slip.
    private mutating func checkDuplicateRecords(_ array: Int, at trail: Trail) {
        var seen: [(index: Int, table: SourceSpan, id: SourceSpan)] = []
        seen.reserveCapacity(tape.count(array))
        var element = tape.firstChild(array)
        for index in 0..<tape.count(array) {
            defer { element = tape.next(element) }
            var table: SourceSpan?, id: SourceSpan?
            if tape.kind(element) == .object {
                var key = tape.firstChild(element)
                for _ in 0..<tape.count(element) {
                    if tape.kind(key + 1) == .string {
                        if keyEquals(key, "documentTable") { table = tape.span(key + 1) }
                        if keyEquals(key, "documentId") { id = tape.span(key + 1) }
                    }
                    key = tape.next(key + 1)
                }
            }
            guard let table, let id else { continue }
            guard let first = seen.first(where: { sameString($0.table, table) && sameString($0.id, id) }) else {
                seen.append((index, table, id))
                continue
            }
            report(
                .duplicateRelatedRecord,
                "\(DisplayName.of(path(trail.index(index)))) repeats \(DisplayName.of(path(trail.index(first.index)))) "
                    + "(\(decode(table)) \(decode(id))); a record is related once, so remove one of them.",
                path: path(trail.index(index)), span: tape.span(element))
        }
    }

    /// Whether the key literal at `key` means `name` (ASCII), compared in place unless it holds escapes.
    private func keyEquals(_ key: Int, _ name: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        if !tape.isEscaped(key) {
            let content = tape.literalContent(key)
            return content.count == expected.count && sameBytes(content, expected)
        }
        return node(key).stringEquals(String(decoding: expected, as: UTF8.self))
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

    private func isScalar(_ node: Int) -> Bool {
        let kind = tape.kind(node)
        return kind != .object && kind != .array
    }

    /// Runs `body` on a string node's content: the source bytes in place, or, when the literal
    /// holds escapes, its decoded UTF-8.
    private func withContent<R>(_ node: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if !tape.isEscaped(node) { return body(tape.literalContent(node)) }
        var decoded = self.node(node).stringValue ?? ""
        return decoded.withUTF8(body)
    }

    /// The content bytes of the string literal at `span`, or nil when it holds escapes.
    private func unescaped(_ span: SourceSpan) -> UnsafeBufferPointer<UInt8>? {
        let content = UnsafeBufferPointer(rebasing: bytes[(span.start + 1)..<(span.end - 1)])
        return content.contains(UInt8(ascii: "\\")) ? nil : content
    }

    private func decode(_ span: SourceSpan) -> String {
        if let raw = unescaped(span) { return String(decoding: raw, as: UTF8.self) }
        return (try? JSONParser.parse(Array(bytes[span.start..<span.end])))?.root.stringValue ?? ""
    }

    private func sameString(_ a: SourceSpan, _ b: SourceSpan) -> Bool {
        if let x = unescaped(a), let y = unescaped(b) { return x.count == y.count && sameBytes(x, y) }
        return decode(a) == decode(b)
    }
}

@inline(__always) private func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// A value as messages quote it: JSON string syntax, so quotes and control characters stay visible.
func quoted(_ text: String) -> String { JSONValue.string(text).jsonString }

/// A reason from elsewhere, fitted into our sentence.
/// `clause(text)`, appended as bytes.
private func appendClause(_ text: String, into out: inout [UInt8]) {
    var text = text
    text.withUTF8 { utf8 in
        var end = utf8.count
        while end > 0 && utf8[end - 1] == UInt8(ascii: ".") { end -= 1 }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<end]))
    }
}

private func clause(_ text: String) -> String {
    var text = Substring(text)
    while text.last == "." { text = text.dropLast() }
    return String(text)
}
