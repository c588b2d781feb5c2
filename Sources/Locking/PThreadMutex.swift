#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain mutex that can be paired with `PThreadCondition`s, which NSLock cannot; heap
/// allocated because a pthread mutex must not move.
public final class PThreadMutex: @unchecked Sendable {
    public let raw: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(raw, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(raw)
        raw.deinitialize(count: 1)
        raw.deallocate()
    }

    public func lock() { pthread_mutex_lock(raw) }
    public func unlock() { pthread_mutex_unlock(raw) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
