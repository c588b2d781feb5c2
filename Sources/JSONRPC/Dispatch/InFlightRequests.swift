/// Requests read but not yet answered. Whoever takes an entry out answers it, which is what
/// makes "exactly one response" hold when a cancel, an exit and a handler race. An entry counts
/// as outstanding until its answer is handed to the output, so `waitUntilAnswered` never returns
/// between "taken" and "sent" (which would let the process exit with an answer unsent).
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

final class InFlightRequests: @unchecked Sendable {
    struct Entry {
        let id: RequestID
        let reply: Reply
        let cancellation: RequestCancellation
        var task: Task<Void, Never>?

        /// The -32800 answer: the handler's cancel actions (its progress end) first, then the
        /// answer with the handler's `data`, then the work is stopped.
        func cancel(with error: ResponseError) {
            var error = error
            if let data = cancellation.cancel() { error.data = data }
            reply.send(.failure(error))
            task?.cancel()
        }
    }

    private let condition = ConditionLock()
    private var entries: [UInt64: Entry] = [:]
    private var nextSerial: UInt64 = 0
    /// Entries registered and not yet sent: entries.count plus those being answered right now.
    private var outstanding = 0

    func add(_ id: RequestID, reply: Reply, cancellation: RequestCancellation) -> UInt64 {
        condition.withLock {
            nextSerial += 1
            entries[nextSerial] = Entry(id: id, reply: reply, cancellation: cancellation, task: nil)
            outstanding += 1
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

    /// Answers the entry unless someone else already did.
    func answer(_ serial: UInt64, with result: Result<JSONValue, ResponseError>) {
        guard let entry = condition.withLock({ entries.removeValue(forKey: serial) }) else { return }
        entry.reply.send(result)
        sent(1)
    }

    /// Answers the entry with a result already encoded as JSON text, unless someone else already did.
    func answer(_ serial: UInt64, encoded result: Result<[UInt8], ResponseError>) {
        guard let entry = condition.withLock({ entries.removeValue(forKey: serial) }) else { return }
        entry.reply.send(encoded: result)
        sent(1)
    }

    /// Answers every entry for `id` with `error` and cancels its work; returns how many there were.
    @discardableResult
    func cancel(matching id: RequestID, with error: ResponseError) -> Int {
        let taken = condition.withLock {
            let serials = entries.filter { $0.value.id == id }.map(\.key)
            return serials.compactMap { entries.removeValue(forKey: $0) }
        }
        finish(taken, error)
        return taken.count
    }

    /// Answers everything in flight with `error(id)` and cancels its work.
    func cancelAll(with error: (RequestID) -> ResponseError) {
        let taken = condition.withLock {
            let all = Array(entries.values)
            entries.removeAll()
            return all
        }
        for entry in taken { entry.cancel(with: error(entry.id)) }
        sent(taken.count)
    }

    private func finish(_ taken: [Entry], _ error: ResponseError) {
        for entry in taken { entry.cancel(with: error) }
        sent(taken.count)
    }

    private func sent(_ count: Int) {
        guard count > 0 else { return }
        condition.withLock {
            outstanding -= count
            condition.broadcast()
        }
    }

    var count: Int { condition.withLock { entries.count } }

    /// Blocks (the reader thread) while `limit` or more requests are outstanding.
    func waitForRoom(below limit: Int) {
        condition.lock()
        while outstanding >= limit { condition.wait() }
        condition.unlock()
    }

    /// Blocks until every request registered so far has had its answer handed to the output.
    func waitUntilAnswered() {
        condition.lock()
        while outstanding > 0 { condition.wait() }
        condition.unlock()
    }
}
