import Foundation

/// Requests read but not yet answered. Whoever takes an entry out answers it, which is what
/// makes "exactly one response" hold when a cancel, an exit and a handler race.
final class InFlightRequests: @unchecked Sendable {
    struct Entry {
        let id: RequestID
        let reply: Reply
        var task: Task<Void, Never>?
    }

    private let condition = NSCondition()
    private var entries: [UInt64: Entry] = [:]
    private var nextSerial: UInt64 = 0

    func add(_ id: RequestID, reply: Reply) -> UInt64 {
        condition.withLock {
            nextSerial += 1
            entries[nextSerial] = Entry(id: id, reply: reply, task: nil)
            return nextSerial
        }
    }

    /// Attaches the task that serves an entry; if the entry was already answered (cancelled), the task is cancelled now.
    func attach(_ serial: UInt64, task: Task<Void, Never>) {
        let answered = condition.withLock {
            if entries[serial] != nil {
                entries[serial]!.task = task
                return false
            }
            return true
        }
        if answered { task.cancel() }
    }

    func take(_ serial: UInt64) -> Entry? {
        condition.withLock {
            let entry = entries.removeValue(forKey: serial)
            if entries.isEmpty { condition.broadcast() }
            return entry
        }
    }

    func take(matching id: RequestID) -> [Entry] {
        condition.withLock {
            let serials = entries.filter { $0.value.id == id }.map(\.key)
            let taken = serials.compactMap { entries.removeValue(forKey: $0) }
            if entries.isEmpty { condition.broadcast() }
            return taken
        }
    }

    func takeAll() -> [Entry] {
        condition.withLock {
            let taken = Array(entries.values)
            entries.removeAll()
            condition.broadcast()
            return taken
        }
    }

    var count: Int { condition.withLock { entries.count } }

    func waitUntilEmpty() {
        condition.lock()
        while !entries.isEmpty { condition.wait() }
        condition.unlock()
    }
}
