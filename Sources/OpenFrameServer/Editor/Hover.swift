import JSON
import JSONRPC
import OpenFrame

/// `textDocument/hover` on a member name: the API reference's description of that member, as
/// Markdown, with the range of the name. Anything else (values, unknown names, a document that is
/// not open) hovers nothing: `null`, as LSP allows.
enum Hover {
    static let method = "textDocument/hover"

    static func handle(_ context: RequestContext, editor: EditorSupport) throws -> JSONValue {
        let params = LSPParams(context.params, method: method)
        let uri = try params.uri()
        let position = try params.position()
        guard let snapshot = editor.store.snapshot(uri) else {
            Log.shared.debug("\(method): \(uri) is not open; nothing to hover")
            return .null
        }
        let encoding = editor.options.positionEncoding
        let offset = snapshot.lines.offset(of: position, encoding: encoding)
        let cursor = CursorContext.at(offset, in: snapshot.text, purpose: .hover)
        guard case .key(let name, let span, _) = cursor.place,
            let markdown = documentation(of: cursor.container / name, operation: snapshot.operation)
        else { return .null }
        return [
            "contents": ["kind": "markdown", "value": .string(markdown)],
            "range": LSPRange.json(span, lines: snapshot.lines, encoding: encoding),
        ]
    }

    /// The schema's member at `pointer`, or a field of a name-value object; nil for names the API does not define.
    static func documentation(of pointer: JSONPointer, operation: Operation) -> String? {
        if let spec = PayloadSchema.spec(at: pointer) {
            return MemberDocumentation.markdown(spec, at: pointer, operation: operation)
        }
        let parentPointer = JSONPointer(Array(pointer.tokens.dropLast()))
        if let parent = PayloadSchema.spec(at: parentPointer), parent.type == .scalarMap {
            return MemberDocumentation.fieldMarkdown(parent, at: pointer)
        }
        return nil
    }
}
