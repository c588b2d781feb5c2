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

/// Validates open documents off the reader thread and publishes `textDocument/publishDiagnostics`.
///
/// Each document has at most one validation running and at most one more wanted: changes that
/// arrive while one runs only set the "again" flag, and the next run reads whatever text is newest
/// then. A run whose document changed meanwhile is dropped instead of published, so fast typing in
/// a large document costs one validation at a time and never a queue of stale ones.
final class DiagnosticsPublisher: @unchecked Sendable {
    static let method = "textDocument/publishDiagnostics"

    private let store: DocumentStore
    private let notify: @Sendable (String, JSONValue) -> Void
    private let encoding: @Sendable () -> PositionEncoding
    private let queue = DispatchQueue(label: "openframe-rpc.validation", qos: .userInitiated, attributes: .concurrent)
    private let lock = PThreadMutex()
    /// URI → whether another run is wanted after the running one.
    private var running: [String: Bool] = [:]
    /// Tests hold a validation here to make a document change under it.
    private var _beforeValidation: (@Sendable (DocumentSnapshot) -> Void)?

    var beforeValidation: (@Sendable (DocumentSnapshot) -> Void)? {
        get { lock.withLock { _beforeValidation } }
        set { lock.withLock { _beforeValidation = newValue } }
    }

    init(
        store: DocumentStore, encoding: @escaping @Sendable () -> PositionEncoding, notify: @escaping @Sendable (String, JSONValue) -> Void
    ) {
        self.store = store
        self.encoding = encoding
        self.notify = notify
    }

    /// The document changed (or opened): validate its newest text soon.
    func schedule(_ uri: String) {
        let start = lock.withLock {
            if running[uri] != nil {
                running[uri] = true
                return false
            }
            running[uri] = false
            return true
        }
        if start { queue.async { self.run(uri) } }
    }

    /// Clears the document's diagnostics (an empty array, as LSP asks on close).
    func close(_ uri: String) -> Bool {
        store.close(uri: uri) {
            notify(Self.method, ["uri": .string(uri), "diagnostics": []])
        }
    }

    private func run(_ uri: String) {
        while true {
            if let snapshot = store.snapshot(uri), store.isInSync(uri) {
                beforeValidation?(snapshot)
                let diagnostics = DocumentValidation.diagnostics(snapshot)
                let encoding = encoding()
                let published = store.publish(snapshot, diagnostics: diagnostics) {
                    notify(Self.method, Self.params(snapshot, diagnostics, encoding: encoding))
                }
                if !published {
                    Log.shared.trace("dropped diagnostics of \(uri) version \(snapshot.version): the document changed meanwhile")
                }
            }
            let again = lock.withLock {
                if running[uri] == true {
                    running[uri] = false
                    return true
                }
                running[uri] = nil
                return false
            }
            if !again { return }
        }
    }

    static func params(_ snapshot: DocumentSnapshot, _ diagnostics: [Diagnostic], encoding: PositionEncoding) -> JSONValue {
        [
            "uri": .string(snapshot.uri),
            "version": .int(snapshot.version),
            "diagnostics": .array(diagnostics.map { LSPDiagnostic.json($0, lines: snapshot.lines, encoding: encoding) }),
        ]
    }
}
