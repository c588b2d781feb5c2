#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A condition variable; separate conditions on one mutex let the writer and the waiters for
/// capacity wake only each other's kind.
public final class PThreadCondition: @unchecked Sendable {
    private let raw: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(raw, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(raw)
        raw.deinitialize(count: 1)
        raw.deallocate()
    }

    /// Caller holds `mutex`; may wake spuriously, so wait in a loop on the predicate.
    public func wait(_ mutex: PThreadMutex) { pthread_cond_wait(raw, mutex.raw) }
    public func signal() { pthread_cond_signal(raw) }
    public func broadcast() { pthread_cond_broadcast(raw) }
}
