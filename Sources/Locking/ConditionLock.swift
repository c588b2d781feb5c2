/// A mutex with one condition, used as NSCondition was (lock, wait, broadcast), without Foundation.
public final class ConditionLock: @unchecked Sendable {
    private let mutex = PThreadMutex()
    private let condition = PThreadCondition()

    public init() {}

    public func lock() { mutex.lock() }
    public func unlock() { mutex.unlock() }
    /// Call with the lock held; returns with it held.
    public func wait() { condition.wait(mutex) }
    public func broadcast() { condition.broadcast() }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock(body)
    }
}
