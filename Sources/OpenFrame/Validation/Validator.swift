import JSON

/// The one place every rule lives. The JSON-RPC method, the CLI, create/update forwarding and
/// the editor all call these, so a payload means the same thing everywhere.
public enum Validator {
    /// A payload already parsed (e.g. a JSON-RPC params member). Spans refer to node.document.
    /// Duplicate keys inside the payload are warnings; those elsewhere in the document are not its concern.
    ///
    /// The sys_id rule, the same for every front end (openframe/validate, the CLI, the editor): an update's
    /// `interactionSysId` travels in the URL, not in the payload, so validation checks it when given
    /// (invalid-sys-id) and never requires it; a payload file can be checked offline before any record
    /// exists. Only sending an update (openframe/updateVoiceInteraction) requires it, as a param.
    public static func validate(_ payload: JSONNode, operation: Operation, interactionSysId: String?) -> ValidationReport {
        let document = payload.document
        var diagnostics = document.withTape { tape in
            var checker = PayloadChecker(operation: operation, document: document, tape: tape)
            checker.checkInteractionSysId(interactionSysId)
            checker.check(payload.tapeIndex, as: PayloadSchema.root, keySpan: nil, at: Trail())
            return checker.diagnostics
        }
        if payload.document.hasDuplicateKeys { diagnostics += duplicateKeys(in: payload) }
        return ValidationReport(diagnostics: inDocumentOrder(diagnostics))
    }

    /// Raw text: a JSON syntax error becomes ONE error diagnostic (code json-syntax) at its offset; duplicate keys become warnings.
    public static func validate(text: [UInt8], operation: Operation, interactionSysId: String?) -> ValidationReport {
        let document: JSONDocument
        do {
            document = try JSONParser.parse(text)
        } catch {
            return ValidationReport(diagnostics: [syntaxError(error, in: text)])
        }
        return validate(document.root, operation: operation, interactionSysId: interactionSysId)
    }

    static func syntaxError(_ error: JSONParseError, in text: [UInt8]) -> Diagnostic {
        let message =
            error.kind == .empty
            ? "The text is empty; expected a JSON object holding the voice interaction."
            : "The text is not valid JSON: \(error.reason)."
        let end = error.offset < text.count ? error.offset + 1 : error.offset
        return Diagnostic(.jsonSyntax, message, path: JSONPointer(), span: SourceSpan(start: error.offset, end: end))
    }

    /// Readers keep the last of repeated keys, so an earlier value silently vanishes.
    /// Only the payload's own duplicates count: the envelope around it is someone else's concern.
    /// Linear in the payload: one walk finds every duplicate's pointer (searching from the root for
    /// each made an object of 100,000 repeated keys quadratic).
    static func duplicateKeys(in payload: JSONNode) -> [Diagnostic] {
        let range = payload.span
        let duplicates = payload.document.duplicateKeys.map(\.duplicate).filter {
            $0.span.start >= range.start && $0.span.end <= range.end
        }
        guard !duplicates.isEmpty else { return [] }
        let pointers = pointers(toKeysAt: Set(duplicates.map(\.span.start)), in: payload)
        return duplicates.map { key in
            let path = pointers[key.span.start] ?? JSONPointer()
            let owner = DisplayName.of(JSONPointer(path.tokens.dropLast()))
            return Diagnostic(
                .duplicateKey,
                "Duplicate key \(quoted(key.stringValue ?? "")) in \(owner); the last one wins, so the earlier value is ignored.",
                path: path, span: key.span)
        }
    }

    /// The pointer of each member whose key starts at one of `offsets`, in one walk of the tree
    /// (nodes know their spans, not their parents).
    static func pointers(toKeysAt offsets: Set<Int>, in root: JSONNode) -> [Int: JSONPointer] {
        var found: [Int: JSONPointer] = [:]
        var tokens: [String] = []
        func walk(_ node: JSONNode) {
            switch node.kind {
            case .object:
                for member in node.members {
                    let start = member.keyNode.span.start
                    if offsets.contains(start) { found[start] = JSONPointer(tokens + [member.key]) }
                    guard member.value.kind == .object || member.value.kind == .array else { continue }
                    tokens.append(member.key)
                    walk(member.value)
                    tokens.removeLast()
                }
            case .array:
                for (index, element) in node.elements.enumerated() where element.kind == .object || element.kind == .array {
                    tokens.append(String(index))
                    walk(element)
                    tokens.removeLast()
                }
            default:
                break
            }
        }
        walk(root)
        return found
    }

    /// Stable output: by position, then path; problems outside the text (the URL) come first.
    static func inDocumentOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        guard diagnostics.count > 1 else { return diagnostics }
        return diagnostics.enumerated().map {
            (offset: $0.offset, start: $0.element.span?.start ?? -1, path: $0.element.path.description, diagnostic: $0.element)
        }
        .sorted { ($0.start, $0.path, $0.offset) < ($1.start, $1.path, $1.offset) }
        .map(\.diagnostic)
    }
}
