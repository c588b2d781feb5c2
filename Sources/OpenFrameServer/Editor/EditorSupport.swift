#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif
import JSON
import JSONRPC
import OpenFrame
import Locking

/// The server as a language server for openframe payload documents: text document sync,
/// `textDocument/publishDiagnostics` from the validation core, hover, completion, quick fixes and
/// `openframe/schema`. One instance per server holds the open documents and what `initialize` settled.
///
/// Threading: the notifications and requests run where the server runs them (small ones on the
/// reader thread) and only ever do cheap work there; validation runs on a Dispatch queue.
public final class EditorSupport: @unchecked Sendable {
    /// The methods this adds, for `capabilities.experimental.openframe.methods` (textDocument/* are announced by LSP capabilities).
    public static let methods = [SchemaMethod.name]

    let store = DocumentStore()
    let publisher: DiagnosticsPublisher
    private let settled = SettledOptions()

    /// What `initialize` settled; the defaults (UTF-16, no snippets) until it comes.
    var options: ClientOptions { settled.value }

    init(notify: @escaping @Sendable (String, JSONValue) -> Void) {
        let settled = settled
        publisher = DiagnosticsPublisher(store: store, encoding: { settled.value.positionEncoding }, notify: notify)
    }

    /// Registers the textDocument methods and `openframe/schema`, and extends `server.initializeHandler`
    /// so that `initialize`'s result also announces this support (call it after setting that handler).
    @discardableResult
    public static func install(on server: Server) -> EditorSupport {
        // Weak: the server owns the handlers that own the editor; validations may outlive a test's server.
        let editor = EditorSupport(notify: { [weak server] method, params in server?.notify(method, params: params) })
        server.onNotification(TextDocumentSync.didOpen) { editor.open($0) }
        server.onNotification(TextDocumentSync.didChange) { editor.change($0) }
        server.onNotification(TextDocumentSync.didClose) { editor.close($0) }
        server.register(Hover.method) { try Hover.handle($0, editor: editor) }
        server.register(Completion.method) { try Completion.handle($0, editor: editor) }
        server.register(CodeActions.method) { try CodeActions.handle($0, editor: editor) }
        server.register(SchemaMethod.name, SchemaMethod.handle)
        let base = server.initializeHandler
        server.initializeHandler = { params in
            var result = try base(params)
            let capabilities = editor.capabilities(for: params)
            result = merge(result, ["capabilities": .object(capabilities)])
            return result
        }
        return editor
    }

    /// The capabilities to announce, given the client's InitializeParams; also settles the
    /// position encoding (UTF-8 when offered, else UTF-16) and snippet use for the session.
    public func capabilities(for clientInitializeParams: JSONNode?) -> JSONObject {
        let options = ClientOptions(initializeParams: clientInitializeParams)
        settled.value = options
        return [
            "positionEncoding": .string(options.positionEncoding.rawValue),
            "textDocumentSync": TextDocumentSync.capability,
            "hoverProvider": true,
            "completionProvider": Completion.capability,
            "codeActionProvider": CodeActions.capability,
            "experimental": ["openframe": ["methods": .array(Self.methods.map { .string($0) })]],
        ]
    }

    func open(_ notification: JSONRPC.Notification) { TextDocumentSync.open(notification, editor: self) }
    func change(_ notification: JSONRPC.Notification) { TextDocumentSync.change(notification, editor: self) }
    func close(_ notification: JSONRPC.Notification) { TextDocumentSync.close(notification, editor: self) }

    /// Objects merge member by member, arrays concatenate (without repeats), anything else: `extra` wins.
    static func merge(_ base: JSONValue, _ extra: JSONValue) -> JSONValue {
        switch (base, extra) {
        case (.object(var object), .object(let more)):
            for (key, value) in more.members {
                object[key] = object[key].map { merge($0, value) } ?? value
            }
            return .object(object)
        case (.array(let list), .array(let more)):
            return .array(list + more.filter { !list.contains($0) })
        default:
            return extra
        }
    }
}

/// The session's ClientOptions, written once by `initialize` and read from any thread.
private final class SettledOptions: @unchecked Sendable {
    private let lock = PThreadMutex()
    private var options = ClientOptions()

    var value: ClientOptions {
        get { lock.withLock { options } }
        set { lock.withLock { options = newValue } }
    }
}
