import JSON
import JSONRPC
import Locking
import OpenFrame

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

/// The server as a language server for openframe payload documents: text document sync,
/// `textDocument/publishDiagnostics` from the validation core, hover, completion, quick fixes and
/// `openframe/schema`. One instance per server holds the open documents and what `initialize` settled.
///
/// Threading: the notifications and requests run where the server runs them (small ones on the
/// reader thread) and only ever do cheap work there; validation runs on a Dispatch queue.
public final class EditorSupport: @unchecked Sendable {
    let store = DocumentStore()
    let publisher: DiagnosticsPublisher
    private let settled = SettledOptions()

    /// What `initialize` settled; the defaults (UTF-16, no snippets) until it comes.
    var options: ClientOptions { settled.value }

    init(notify: @escaping @Sendable (String, JSONValue) -> Void) {
        let settled = settled
        publisher = DiagnosticsPublisher(store: store, encoding: { settled.value.positionEncoding }, notify: notify)
    }

    /// Registers the textDocument methods and `openframe/schema`, each with the capability it earns;
    /// `initialize` settles the session's client options (position encoding, snippets) first.
    @discardableResult
    public static func install(on registrar: Registrar) -> EditorSupport {
        // Weak: the server owns the handlers that own the editor; validations may outlive a test's server.
        let editor = EditorSupport(notify: { [weak server = registrar.server] method, params in server?.notify(method, params: params) })
        registrar.onInitialize { params in editor.settle(params) }
        registrar.announce(.settled("positionEncoding") { .string(editor.options.positionEncoding.rawValue) })
        registrar.notifications(
            [
                (TextDocumentSync.didOpen, { @Sendable in editor.open($0) }),
                (TextDocumentSync.didChange, { @Sendable in editor.change($0) }),
                (TextDocumentSync.didClose, { @Sendable in editor.close($0) }),
            ],
            announcing: .fixed("textDocumentSync", value: TextDocumentSync.capability))
        registrar.request(Hover.method, announcing: .fixed("hoverProvider", value: true)) { try Hover.handle($0, editor: editor) }
        registrar.request(Completion.method, announcing: .fixed("completionProvider", value: Completion.capability)) {
            try Completion.handle($0, editor: editor)
        }
        registrar.request(CodeActions.method, announcing: .fixed("codeActionProvider", value: CodeActions.capability)) {
            try CodeActions.handle($0, editor: editor)
        }
        registrar.request(SchemaMethod.name, SchemaMethod.handle)
        return editor
    }

    /// Settles the session's position encoding (UTF-8 when offered, else UTF-16) and snippet use
    /// from the client's InitializeParams.
    func settle(_ clientInitializeParams: JSONNode?) {
        settled.value = ClientOptions(initializeParams: clientInitializeParams)
    }

    func open(_ notification: JSONRPC.Notification) { TextDocumentSync.open(notification, editor: self) }
    func change(_ notification: JSONRPC.Notification) { TextDocumentSync.change(notification, editor: self) }
    func close(_ notification: JSONRPC.Notification) { TextDocumentSync.close(notification, editor: self) }
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
