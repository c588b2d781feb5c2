import Synchronization

/// At most `limit` holders at a time; the rest wait in arrival order (FIFO). Waiting is an
/// async suspension, never a blocked thread. A waiter whose task is cancelled leaves the
/// queue at once and gets `.cancelled`.
final class ForwardLimiter: Sendable {
    private enum Ticket {
        case waiting(CheckedContinuation<Bool, Never>)
        /// Given a slot by `release()`; the acquirer removes the ticket when it wakes.
        case granted
        /// Cancelled before it reached the queue: it must not join it.
        case cancelledEarly
    }

    private struct State {
        var available: Int
        var queue: [UInt64] = []
        var tickets: [UInt64: Ticket] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>
    let limit: Int

    init(limit: Int) {
        precondition(limit >= 1)
        self.limit = limit
        state = Mutex(State(available: limit))
    }

    /// Holders plus waiters, for tests and diagnostics.
    var snapshot: (inUse: Int, waiting: Int) {
        state.withLock { (limit - $0.available, $0.queue.count) }
    }

    /// Takes a slot, waiting for one in FIFO order if none is free; `onQueued` is told the
    /// 1-based queue position when it has to wait. Every successful acquire needs one `release()`.
    func acquire(onQueued: (Int) -> Void) async throws(ForwardingError) {
        if Task.isCancelled { throw .cancelled }
        let id: UInt64? = state.withLock { s in
            if s.available > 0 && s.queue.isEmpty {
                s.available -= 1
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }

        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let outcome: (position: Int?, resume: Bool?) = state.withLock { s in
                    if case .cancelledEarly? = s.tickets[id] {
                        s.tickets[id] = nil
                        return (nil, false)
                    }
                    // A slot may have been released while we were getting here.
                    if s.available > 0 && s.queue.isEmpty {
                        s.available -= 1
                        return (nil, true)
                    }
                    s.queue.append(id)
                    s.tickets[id] = .waiting(continuation)
                    return (s.queue.count, nil)
                }
                if let resume = outcome.resume {
                    continuation.resume(returning: resume)
                } else if let position = outcome.position {
                    onQueued(position)
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Bool, Never>? = state.withLock { s in
                switch s.tickets[id] {
                case .waiting(let continuation)?:
                    s.tickets[id] = nil
                    s.queue.removeAll { $0 == id }
                    return continuation
                case .cancelledEarly?, .granted?:
                    return nil
                case nil:
                    // Not queued yet: it must not join the queue.
                    s.tickets[id] = .cancelledEarly
                    return nil
                }
            }
            continuation?.resume(returning: false)
        }
        // The handler cannot run any more; drop whatever is left of the ticket.
        state.withLock { s in _ = s.tickets.removeValue(forKey: id) }
        guard granted else { throw .cancelled }
    }

    /// Frees a slot: the longest waiter gets it, else it becomes available.
    func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { s in
            while !s.queue.isEmpty {
                let id = s.queue.removeFirst()
                if case .waiting(let continuation)? = s.tickets[id] {
                    s.tickets[id] = .granted
                    return continuation
                }
            }
            s.available = min(limit, s.available + 1)
            return nil
        }
        next?.resume(returning: true)
    }
}
