#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Locking

/// An OS thread for blocking I/O, which must never run on the cooperative pool: a blocked
/// read would starve it. Detached, so an unjoined thread leaks nothing; `join()` waits on a flag.
final class DedicatedThread: @unchecked Sendable {
    private let mutex = PThreadMutex()
    private let finishedCondition = PThreadCondition()
    private var finished = false

    private final class Start {
        let body: @Sendable () -> Void
        let thread: DedicatedThread
        init(body: @escaping @Sendable () -> Void, thread: DedicatedThread) {
            self.body = body
            self.thread = thread
        }
    }

    /// `name` identifies the thread in diagnostics.
    init(name: String, stackSize: Int, body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let size = (max(stackSize, 64 << 10) + pageSize - 1) / pageSize * pageSize
        pthread_attr_setstacksize(&attributes, size)

        let start = Unmanaged.passRetained(Start(body: body, thread: self)).toOpaque()
        var handle = Platform.newThreadHandle
        let result = pthread_create(&handle, &attributes, { context in
            let start = Unmanaged<Start>.fromOpaque(Platform.threadArgument(context)).takeRetainedValue()
            start.body()
            start.thread.markFinished()
            return nil
        }, start)
        if result != 0 {
            Unmanaged<Start>.fromOpaque(start).release()
            fatalError("cannot start thread '\(name)': pthread_create failed with \(result)")
        }
    }

    private func markFinished() {
        mutex.withLock {
            finished = true
            finishedCondition.broadcast()
        }
    }

    /// Blocks until the body has returned.
    func join() {
        mutex.lock()
        while !finished { finishedCondition.wait(mutex) }
        mutex.unlock()
    }
}
