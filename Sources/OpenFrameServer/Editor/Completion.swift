import JSON
import JSONRPC
import OpenFrame

/// `textDocument/completion` of member names: those the schema defines for the object at the
/// cursor (the top level, `interaction`, a phone log, a related record), minus those already
/// present, each with its documentation. The edit fits where the cursor is: it replaces the name
/// being typed (quoted or not) and adds `": "` (and, with snippets, a value to fill in) only when
/// no colon follows.
enum Completion {
    static let method = "textDocument/completion"

    /// Typing `"` where a name belongs asks for names.
    static let capability: JSONValue = ["triggerCharacters": ["\""], "resolveProvider": false]

    /// LSP CompletionItemKind.Property.
    static let propertyKind = 10

    static func handle(_ context: RequestContext, editor: EditorSupport) throws -> JSONValue {
        let params = LSPParams(context.params, method: method)
        let uri = try params.uri()
        let position = try params.position()
        guard let snapshot = editor.store.snapshot(uri) else { throw ResponseError.documentNotOpen(method, uri) }
        let options = editor.options
        let offset = snapshot.lines.offset(of: position, encoding: options.positionEncoding)
        let items = self.items(in: snapshot, at: offset, options: options)
        return ["isIncomplete": false, "items": .array(items)]
    }

    static func items(in snapshot: DocumentSnapshot, at offset: Int, options: ClientOptions) -> [JSONValue] {
        let cursor = CursorContext.at(offset, in: snapshot.text, purpose: .completion)
        let replace: SourceSpan
        switch cursor.place {
        case .key(_, let span, _): replace = span
        case .memberSlot: replace = SourceSpan(start: offset, end: offset)
        case .other: return []
        }
        guard cursor.containerIsObject, let spec = PayloadSchema.spec(at: cursor.container),
            spec.type == .object || spec.type == .scalarMap
        else { return [] }

        let text = snapshot.text
        let next = nextSignificantByte(in: text, from: replace.end)
        let needsColon = next != UInt8(ascii: ":")
        // Another member follows on: separate the new one from it.
        let needsComma = needsColon && next == UInt8(ascii: "\"")
        let present = Set(cursor.presentKeys)
        let range = LSPRange.json(replace, lines: snapshot.lines, encoding: options.positionEncoding)

        return spec.children.enumerated().compactMap { index, child in
            guard !present.contains(child.name) else { return nil }
            let quoted = JSONValue.string(child.name).jsonString
            var newText = quoted
            var format = 1
            if needsColon {
                if options.snippetSupport {
                    newText += ": " + valueSnippet(child) + (needsComma ? "," : "")
                    format = 2
                } else {
                    newText += ": "
                }
            }
            let pointer = cursor.container / child.name
            return [
                "label": .string(child.name),
                "kind": .int(propertyKind),
                "detail": .string(MemberDocumentation.detail(child, operation: snapshot.operation)),
                "documentation": [
                    "kind": "markdown", "value": .string(MemberDocumentation.markdown(child, at: pointer, operation: snapshot.operation)),
                ],
                "sortText": .string(String(format: index)),
                // Clients filter on the text from the range's start to the cursor, quote included.
                "filterText": .string(replace.start < text.count && text[replace.start] == UInt8(ascii: "\"") ? quoted : child.name),
                "insertTextFormat": .int(format),
                "textEdit": ["range": range, "newText": .string(newText)],
            ]
        }
    }

    /// A value to fill in after the colon, as a snippet: the cursor lands where the value's content goes.
    static func valueSnippet(_ spec: MemberSpec) -> String {
        switch spec.type {
        case .object, .scalarMap: "{$1}"
        case .array: "[$1]"
        case .string: "\"$1\""
        case .scalar: "$1"
        }
    }

    private static func nextSignificantByte(in text: [UInt8], from offset: Int) -> UInt8? {
        var i = offset
        while i < text.count {
            let c = text[i]
            if c != 0x20, c != 0x09, c != 0x0A, c != 0x0D { return c }
            i += 1
        }
        return nil
    }
}

extension String {
    /// Sort keys that keep the schema's order (the reference's).
    fileprivate init(format index: Int) {
        self = index < 10 ? "0\(index)" : String(index)
    }
}
