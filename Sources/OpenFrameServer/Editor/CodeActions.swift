import JSON
import JSONRPC
import OpenFrame

/// `textDocument/codeAction`: a quick fix for every diagnostic in the requested range that the
/// validation core suggests a fix for (the normalized E.164 number, the right member name, the
/// platform's date-time form). `replaceValue` replaces the value with its JSON text; `renameKey`
/// replaces the member name, keeping the value.
enum CodeActions {
    static let method = "textDocument/codeAction"
    static let quickFix = "quickfix"
    static let capability: JSONValue = ["codeActionKinds": [.string(quickFix)]]

    static func handle(_ context: RequestContext, editor: EditorSupport) throws -> JSONValue {
        let params = LSPParams(context.params, method: method)
        let uri = try params.uri()
        let (start, end) = try params.range()
        if let only = try params.object()["context"]?["only"], only.kind == .array,
            !only.elements.contains(where: { kind in kind.stringValue.map { quickFix.hasPrefix($0) } ?? false })
        {
            return []
        }
        guard let snapshot = editor.store.snapshot(uri) else { throw ResponseError.documentNotOpen(method, uri) }
        let encoding = editor.options.positionEncoding
        let from = snapshot.lines.offset(of: start, encoding: encoding)
        let to = max(from, snapshot.lines.offset(of: end, encoding: encoding))
        let diagnostics = DocumentValidation.diagnostics(snapshot, store: editor.store)
        return .array(
            diagnostics.compactMap { diagnostic in
                guard let span = diagnostic.span, span.start <= to, from <= span.end else { return nil }
                return action(for: diagnostic, in: snapshot, encoding: encoding)
            })
    }

    /// The CodeAction for one diagnostic's fix; nil when it has none.
    static func action(for diagnostic: Diagnostic, in snapshot: DocumentSnapshot, encoding: PositionEncoding) -> JSONValue? {
        guard let fix = diagnostic.fix, let span = diagnostic.span else { return nil }
        let newText: String
        switch fix.edit {
        case .replaceValue(let value):
            newText = value.jsonString
        case .renameKey(let name):
            // The diagnostic's span is the member name's literal, quotes included.
            guard span.end - span.start >= 2, snapshot.text[span.start] == UInt8(ascii: "\"") else { return nil }
            newText = JSONValue.string(name).jsonString
        }
        let edit: JSONValue = ["range": LSPRange.json(span, lines: snapshot.lines, encoding: encoding), "newText": .string(newText)]
        return [
            "title": .string(fix.title),
            "kind": .string(quickFix),
            "diagnostics": [LSPDiagnostic.json(diagnostic, lines: snapshot.lines, encoding: encoding)],
            "edit": ["changes": .object(JSONObject([(key: snapshot.uri, value: .array([edit]))]))],
            "isPreferred": true,
        ]
    }
}
