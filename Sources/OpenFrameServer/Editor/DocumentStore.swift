import JSON
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

/// One state of an open document, handed to validation, hover, completion and code actions.
struct DocumentSnapshot: Sendable {
    let uri: String
    /// Bumped by every open and every applied change, across all documents: a snapshot is current
    /// exactly when its document still has this revision (the client's `version` need not behave).
    let revision: UInt64
    /// The client's version, echoed in `publishDiagnostics`.
    let version: Int
    let operation: OpenFrame.Operation
    /// The text (`lines.bytes`) with its line starts.
    let lines: LineIndex

    var text: [UInt8] { lines.bytes }
}

/// The open documents, keyed by URI. Every method is safe from any thread; `close` and `publish`
/// run their `send` under the lock, so a document's last diagnostics can never overtake its clearing.
final class DocumentStore: @unchecked Sendable {
    private struct Entry {
        var snapshot: DocumentSnapshot
        /// False after a change that could not be applied: the text no longer matches the client's,
        /// so incremental changes are ignored until a full-text change resynchronizes it.
        var inSync = true
        /// The last diagnostics computed, for the revision they belong to.
        var diagnostics: (revision: UInt64, list: [Diagnostic])?
    }

    enum ChangeOutcome {
        case applied(DocumentSnapshot)
        /// The document was not open, but the changes held a full text, so it is now.
        case adopted(DocumentSnapshot)
        /// The document is not open and nothing in the changes could open it.
        case unknownDocument
        /// The document is out of sync and the changes are all incremental.
        case outOfSync
    }

    private let lock = PThreadMutex()
    private var entries: [String: Entry] = [:]
    private var revisions: UInt64 = 0

    /// Opens (or, if the client opens it again, replaces) a document.
    func open(uri: String, version: Int, text: [UInt8]) -> (snapshot: DocumentSnapshot, replaced: Bool) {
        let lines = LineIndex(text)
        return lock.withLock {
            revisions += 1
            let snapshot = DocumentSnapshot(
                uri: uri, revision: revisions, version: version, operation: DocumentURI.operation(of: uri), lines: lines)
            let replaced = entries.updateValue(Entry(snapshot: snapshot), forKey: uri) != nil
            return (snapshot, replaced)
        }
    }

    /// Applies one didChange. `version` nil keeps the previous version.
    func change(uri: String, version: Int?, changes: [ContentChange], encoding: PositionEncoding) -> ChangeOutcome {
        lock.lock()
        let entry = entries[uri]
        lock.unlock()

        // A full text makes everything before it irrelevant; it also repairs a lost document.
        let lastFull = changes.lastIndex(where: \.isFull)
        let base: LineIndex
        let applicable: ArraySlice<ContentChange>
        let adopted: Bool
        switch (entry, lastFull) {
        case (nil, nil):
            return .unknownDocument
        case (let entry?, nil) where !entry.inSync:
            return .outOfSync
        case (let entry?, nil):
            base = entry.snapshot.lines
            applicable = changes[...]
            adopted = false
        case (let entry, let full?):
            base = LineIndex([])
            applicable = changes[full...]
            adopted = entry == nil
        }
        // The edit runs outside the lock; only the reader thread changes documents, so nothing
        // else can have changed this one meanwhile.
        let lines = base.applying(applicable, encoding: encoding)

        return lock.withLock {
            revisions += 1
            let previous = entries[uri]?.snapshot.version ?? 0
            let snapshot = DocumentSnapshot(
                uri: uri, revision: revisions, version: version ?? previous,
                operation: entry?.snapshot.operation ?? DocumentURI.operation(of: uri), lines: lines)
            entries[uri] = Entry(snapshot: snapshot)
            return adopted ? .adopted(snapshot) : .applied(snapshot)
        }
    }

    /// After a change that could not be applied: remember the version, stop trusting the text.
    func markOutOfSync(uri: String, version: Int?) {
        lock.withLock {
            guard var entry = entries[uri] else { return }
            entry.inSync = false
            if let version {
                let old = entry.snapshot
                entry.snapshot = DocumentSnapshot(
                    uri: uri, revision: old.revision, version: version, operation: old.operation, lines: old.lines)
            }
            entries[uri] = entry
        }
    }

    func isInSync(_ uri: String) -> Bool {
        lock.withLock { entries[uri]?.inSync ?? false }
    }

    /// Closes a document; `send` (clearing its diagnostics) runs under the lock. False if it was not open.
    @discardableResult
    func close(uri: String, _ send: () -> Void) -> Bool {
        lock.withLock {
            guard entries.removeValue(forKey: uri) != nil else { return false }
            send()
            return true
        }
    }

    func snapshot(_ uri: String) -> DocumentSnapshot? {
        lock.withLock { entries[uri]?.snapshot }
    }

    var openURIs: [String] {
        lock.withLock { Array(entries.keys) }
    }

    /// Records `diagnostics` for `snapshot` and runs `send` (under the lock) only if the snapshot is
    /// still the document's current state; otherwise drops them and returns false (a stale validation).
    @discardableResult
    func publish(_ snapshot: DocumentSnapshot, diagnostics: [Diagnostic], _ send: () -> Void) -> Bool {
        lock.withLock {
            guard var entry = entries[snapshot.uri], entry.snapshot.revision == snapshot.revision, entry.inSync else { return false }
            entry.diagnostics = (snapshot.revision, diagnostics)
            entries[snapshot.uri] = entry
            send()
            return true
        }
    }

    /// The diagnostics last published for exactly this snapshot, if any.
    func diagnostics(for snapshot: DocumentSnapshot) -> [Diagnostic]? {
        lock.withLock {
            guard let cached = entries[snapshot.uri]?.diagnostics, cached.revision == snapshot.revision else { return nil }
            return cached.list
        }
    }
}
