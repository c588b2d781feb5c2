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

/// One request's cancellation, shared by its handler and the dispatcher.
///
/// When the dispatcher cancels a request (`$/cancelRequest`, `exit`, the host gone), it first runs
/// the handler's `onCancel` actions (a progress `end`), then sends the -32800 answer with `data`,
/// then cancels the handler's task. So everything a handler promised to send before its answer
/// still goes before it, and the answer can say what the work had done (whether a create reached
/// the instance). Long synchronous work polls `isCancelled` and stops.
public final class RequestCancellation: @unchecked Sendable {
    private let lock = PThreadMutex()
    // Guarded by `lock`: the handler's task, the dispatcher's cancel and the reader thread all touch them.
    private var cancelled = false
    private var actions: [@Sendable () -> Void] = []
    private var data: JSONValue?

    public init() {}

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Runs `action` when the request is cancelled, before its -32800 answer goes out (at once if it
    /// already was).
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        let now = lock.withLock {
            if cancelled { return true }
            actions.append(action)
            return false
        }
        if now { action() }
    }

    /// What the -32800 answer's `data` says if the request is cancelled from now on.
    public func setData(_ value: JSONValue?) {
        lock.withLock { data = value }
    }

    /// The handler is done: its actions are dropped (they may hold the handler's objects strongly;
    /// dropping them breaks that cycle).
    func finish() {
        lock.withLock { actions = [] }
    }

    /// Marks the request cancelled and runs the actions; returns the `data` for the answer.
    func cancel() -> JSONValue? {
        let (run, data) = lock.withLock {
            guard !cancelled else { return ([@Sendable () -> Void](), self.data) }
            cancelled = true
            defer { actions = [] }
            return (actions, self.data)
        }
        for action in run { action() }
        return data
    }
}
