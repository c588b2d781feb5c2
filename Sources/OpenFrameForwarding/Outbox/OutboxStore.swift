import JSON
import Locking

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

/// The outbox file and the items it holds. Every change is one line appended and fsynced (the sandbox
/// journal's discipline, `SandboxJournal`) before it takes effect in memory, so what a caller was told
/// survives a crash: an item answered QUEUED is in the file, and a send that went out is marked so in the
/// file before it goes (a crash mid-send then means "outcome unknown", never "not sent").
///
/// Compaction (on open, and when the file holds many more lines than live items) rewrites the file with
/// one line per item, dropping delivered, failed and discarded items older than `keepFinished` seconds:
/// their outcome was notified and reported by `openframe/outbox` in the meantime.
///
/// Thread-safe: one lock guards the items and the file.
public final class OutboxStore: @unchecked Sendable {
    public let path: String
    /// What opening skipped (an unfinished last line), for stderr.
    public let warnings: [String]

    private let lock = PThreadMutex()
    private let journal: SandboxJournal
    private var items: [String: OutboxItem]
    private var nextSeq: Int
    private var linesInFile: Int
    private let keepFinished: Double
    /// Timestamps and epochs of the file; the delivery engine measures ages and waits on it too.
    let clock: any ForwardingClock

    /// Opens or creates the file (not its directories), replays it and compacts it. Fails when another process holds it.
    public convenience init(file: URL, keepFinished: Double = 24 * 3600) throws(OutboxFileError) {
        try self.init(file: file, keepFinished: keepFinished, clock: SystemForwardingClock())
    }

    init(file: URL, keepFinished: Double = 24 * 3600, clock: any ForwardingClock) throws(OutboxFileError) {
        self.clock = clock
        var items: [String: OutboxItem] = [:]
        var lines = 0
        let opened: (journal: SandboxJournal, warnings: [String])
        do {
            opened = try SandboxJournal.open(file, label: "outbox file") { (node) throws(SandboxJournalEntry.Malformed) in
                let event = try OutboxEvent(node)
                if case .item(let item) = event, items[item.id] != nil {
                    // A compacted file has one item line per id; a second is damage.
                    throw .init("a second item line for \(item.id)")
                }
                guard event.apply(to: &items) else { throw .init("\(event.id) is not an item an earlier line adds") }
                lines += 1
            }
        } catch {
            throw OutboxFileError(error)
        }
        journal = opened.journal
        warnings = opened.warnings
        path = opened.journal.path
        self.items = items
        nextSeq = (items.values.map(\.seq).max() ?? 0) + 1
        linesInFile = lines
        self.keepFinished = keepFinished
        try locked { () throws(OutboxFileError) in try compactLocked(now: clock.date.timeIntervalSince1970) }
    }

    /// Items in acceptance order, optionally only those in one state.
    public func list(state: OutboxItem.State? = nil) -> [OutboxItem] {
        lock.withLock { items.values.filter { state == nil || $0.state == state }.sorted { $0.seq < $1.seq } }
    }

    public func item(_ id: String) -> OutboxItem? { lock.withLock { items[id] } }

    /// The key of the create that made `sysId`, so that updates by sysId keep their place behind updates by outboxId.
    public func key(forSysId sysId: String) -> String {
        lock.withLock {
            items.values.first { $0.operation == .create && $0.sysId == sysId }?.key ?? sysId
        }
    }

    /// The next item of an interaction to deliver: the first queued one, unless a parked one comes before it.
    func firstPending(key: String) -> OutboxItem? {
        lock.withLock {
            items.values.filter { $0.key == key && ($0.state == .queued || $0.state == .parked) }.min { $0.seq < $1.seq }
        }.flatMap { $0.state == .queued ? $0 : nil }
    }

    /// The parked item that holds a queued one back (an earlier item of the same interaction), if any.
    public func heldBy(_ item: OutboxItem) -> String? {
        guard item.state == .queued else { return nil }
        return lock.withLock {
            items.values.filter { $0.key == item.key && $0.state == .parked && $0.seq < item.seq }.min { $0.seq < $1.seq }?.id
        }
    }

    /// Accepts a new item (durable when this returns).
    public func add(
        operation: OutboxItem.Operation, payload: JSONValue, apiVersion: String?, key: String?, dependsOn: String?, sysId: String?
    ) throws(OutboxFileError) -> OutboxItem {
        try locked { () throws(OutboxFileError) -> OutboxItem in
            let id = Self.freshID(avoiding: items)
            let now = SandboxClock.string(epoch: clock.date.timeIntervalSince1970)
            let item = OutboxItem(
                id: id, seq: nextSeq, operation: operation, payload: payload, apiVersion: apiVersion, key: key ?? id,
                dependsOn: dependsOn, sysId: sysId, state: .queued, attempts: 0, outcomeUnknown: false, sentEpoch: nil, reason: nil,
                result: nil, queuedAt: now, queuedEpoch: clock.date.timeIntervalSince1970, updatedAt: now)
            try appendLocked(.item(item))
            nextSeq += 1
            return item
        }
    }

    /// Records a change to an item. Returns the item as it now is (nil when it no longer exists).
    @discardableResult
    public func record(_ change: Change, id: String) throws(OutboxFileError) -> OutboxItem? {
        try locked { () throws(OutboxFileError) -> OutboxItem? in
            guard items[id] != nil else { return nil }
            let at = SandboxClock.string(epoch: clock.date.timeIntervalSince1970)
            let event: OutboxEvent
            switch change {
            case .sending: event = .sending(id: id, epoch: clock.date.timeIntervalSince1970, at: at)
            case .notSent(let reason): event = .notSent(id: id, reason: reason, at: at)
            case .delivered(let result, let sysId): event = .delivered(id: id, result: result, sysId: sysId, at: at)
            case .parked(let reason): event = .parked(id: id, reason: reason, at: at)
            case .failed(let reason, let error): event = .failed(id: id, reason: reason, error: error, at: at)
            case .requeued: event = .requeued(id: id, at: at)
            case .discarded: event = .discarded(id: id, at: at)
            }
            try appendLocked(event)
            if linesInFile > 4096, linesInFile > 8 * items.count {
                try? compactLocked(now: clock.date.timeIntervalSince1970)
            }
            return items[id]
        }
    }

    public enum Change: Sendable {
        case sending
        case notSent(reason: String)
        case delivered(result: JSONObject, sysId: String?)
        case parked(reason: String)
        case failed(reason: String, error: JSONObject)
        case requeued
        case discarded
    }

    private func locked<T>(_ body: () throws(OutboxFileError) -> T) throws(OutboxFileError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func appendLocked(_ event: OutboxEvent) throws(OutboxFileError) {
        do {
            try journal.append(event.line)
        } catch {
            throw OutboxFileError(error)
        }
        _ = event.apply(to: &items)
        linesInFile += 1
    }

    /// One line per item worth keeping; finished items older than `keepFinished` go.
    private func compactLocked(now: Double) throws(OutboxFileError) {
        let cutoff = SandboxClock.string(epoch: now - keepFinished)
        var keep = items.values.filter { $0.state == .queued || $0.state == .parked || $0.updatedAt >= cutoff }
        guard keep.count < linesInFile else { return }
        // An update waiting on a create that is dropped now keeps the sysId that create made.
        for index in keep.indices where keep[index].sysId == nil {
            if let create = keep[index].dependsOn.flatMap({ items[$0] }), create.state == .delivered {
                keep[index].sysId = create.sysId
            }
        }
        do {
            try journal.rewrite(keep.sorted { $0.seq < $1.seq }.map { OutboxEvent.item($0).line })
        } catch {
            throw OutboxFileError(error)
        }
        items = Dictionary(uniqueKeysWithValues: keep.map { ($0.id, $0) })
        linesInFile = keep.count
    }

    private static func freshID(avoiding items: [String: OutboxItem]) -> String {
        while true {
            let id = "ob-" + String(SandboxIdentifiers.randomSysID().prefix(20))
            if items[id] == nil { return id }
        }
    }
}
