#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An OS thread for blocking work (I/O, libcurl's multi loop), which must never run on the
/// cooperative pool: a blocked read would starve it. Foundation's `Thread` without Foundation.
/// Detached, so an unjoined thread leaks nothing; `join()` waits on a flag.
public final class DedicatedThread: @unchecked Sendable {
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

    /// `name` says which thread could not be started, should that happen.
    public init(name: String, stackSize: Int, body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let size = (max(stackSize, 64 << 10) + pageSize - 1) / pageSize * pageSize
        pthread_attr_setstacksize(&attributes, size)

        let start = Unmanaged.passRetained(Start(body: body, thread: self)).toOpaque()
        var handle = ThreadPlatform.newThreadHandle
        let result = pthread_create(
            &handle, &attributes,
            { context in
                let start = Unmanaged<Start>.fromOpaque(ThreadPlatform.threadArgument(context)).takeRetainedValue()
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

    /// Whether the body has returned.
    public var isFinished: Bool { mutex.withLock { finished } }

    /// Blocks until the body has returned.
    public func join() {
        mutex.lock()
        while !finished { finishedCondition.wait(mutex) }
        mutex.unlock()
    }
}

/// What differs between Linux and Darwin in starting a pthread.
enum ThreadPlatform {
    /// pthread_t: an integer on Linux, a pointer (optional until the thread exists) on Darwin.
    #if canImport(Darwin)
    typealias ThreadHandle = pthread_t?
    static var newThreadHandle: ThreadHandle { nil }
    #else
    typealias ThreadHandle = pthread_t
    static var newThreadHandle: ThreadHandle { pthread_t() }
    #endif

    /// A thread start routine's argument: optional on Linux, not on Darwin.
    static func threadArgument(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer { argument! }
    static func threadArgument(_ argument: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer { argument }
}
