import JSON
import JSONRPC

/// `textDocument/didOpen`, `didChange` (incremental or full) and `didClose`. These are notifications:
/// whatever is wrong with one is logged and it is otherwise ignored, never answered.
enum TextDocumentSync {
    static let didOpen = "textDocument/didOpen"
    static let didChange = "textDocument/didChange"
    static let didClose = "textDocument/didClose"

    /// `textDocumentSync` in the server's capabilities: open and close notifications, incremental changes
    /// (TextDocumentSyncKind.Incremental, 2; full-text changes are accepted too).
    static let capability: JSONValue = ["openClose": true, "change": 2]

    static func open(_ notification: JSONRPC.Notification, editor: EditorSupport) {
        let params = LSPParams(notification.params, method: didOpen)
        do {
            let uri = try params.uri()
            let document = try params.object()["textDocument"]
            let version = try params.version() ?? 0
            let text = try LSPParams.text(document?["text"], at: "params.textDocument.text", method: didOpen)
            let (snapshot, replaced) = editor.store.open(uri: uri, version: version, text: text)
            if replaced { Log.shared.debug("\(didOpen): \(uri) was already open; its text is replaced") }
            Log.shared.debug("opened \(uri) (version \(version), \(text.count) bytes) as a \(snapshot.operation.rawValue) payload")
            editor.publisher.schedule(uri)
        } catch {
            Log.shared.warning("ignored \(didOpen): \(error.message)")
        }
    }

    static func change(_ notification: JSONRPC.Notification, editor: EditorSupport) {
        let params = LSPParams(notification.params, method: didChange)
        let uri: String
        do {
            uri = try params.uri()
        } catch {
            return Log.shared.warning("ignored \(didChange): \(error.message)")
        }
        let version = try? params.version()
        let changes: [ContentChange]
        do {
            changes = try contentChanges(params)
        } catch {
            guard editor.store.snapshot(uri) != nil else {
                return Log.shared.warning("ignored \(didChange) for \(uri), which is not open: \(error.message)")
            }
            editor.store.markOutOfSync(uri: uri, version: version ?? nil)
            return Log.shared.warning(
                "ignored \(didChange) for \(uri): \(error.message). The server's copy of the document no longer matches the "
                    + "editor's, so it ignores incremental changes until a full-text change (or reopening the document) repairs it")
        }
        switch editor.store.change(uri: uri, version: version ?? nil, changes: changes, encoding: editor.options.positionEncoding) {
        case .applied:
            editor.publisher.schedule(uri)
        case .adopted:
            Log.shared.info("\(didChange) for \(uri), which was not open: its full text opens it")
            editor.publisher.schedule(uri)
        case .unknownDocument:
            Log.shared.warning("ignored \(didChange) for \(uri): the document is not open (no textDocument/didOpen, or already closed)")
        case .outOfSync:
            Log.shared.warning(
                "ignored \(didChange) for \(uri): the document is out of sync after an earlier bad change; waiting for a full-text change")
        }
    }

    static func close(_ notification: JSONRPC.Notification, editor: EditorSupport) {
        let params = LSPParams(notification.params, method: didClose)
        do {
            let uri = try params.uri()
            if !editor.publisher.close(uri) { Log.shared.warning("ignored \(didClose) for \(uri): the document is not open") }
        } catch {
            Log.shared.warning("ignored \(didClose): \(error.message)")
        }
    }

    /// `params.contentChanges`: every entry must be readable, or none is applied.
    static func contentChanges(_ params: LSPParams) throws(ResponseError) -> [ContentChange] {
        guard let list = try params.object()["contentChanges"], list.kind == .array else {
            throw .invalidParams("\(didChange): params.contentChanges must be an array")
        }
        var changes: [ContentChange] = []
        for (index, item) in list.elements.enumerated() {
            let place = "params.contentChanges[\(index)]"
            guard item.kind == .object else { throw .invalidParams("\(didChange): \(place) must be an object; found \(item.kind)") }
            let text = try LSPParams.text(item["text"], at: "\(place).text", method: didChange)
            if let range = item["range"], !range.isNull {
                let (start, end) = try LSPParams.range(range, at: "\(place).range", method: didChange)
                changes.append(.range(start: start, end: end, text: text))
            } else {
                changes.append(.full(text: text))
            }
        }
        return changes
    }
}
