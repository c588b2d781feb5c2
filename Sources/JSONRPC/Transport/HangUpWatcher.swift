import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices the host closing its end of our output without our having to write to it.
///
/// A write fails with EPIPE only when there is something to write; a server waiting on a slow
/// instance (or a retry delay) writes nothing, so without this it ran on for minutes for a host that
/// was gone, still sending to the instance. A dedicated thread blocks in `poll(2)` with no events
/// asked for: the kernel still reports POLLERR (a pipe whose reader is gone) and POLLHUP (a socket
/// or terminal hung up). Only pipes and sockets are watched; a file or /dev/null never hangs up.
public enum HangUpWatcher {
    /// Starts watching `fileDescriptor`; `onHangUp` runs once, on the watcher thread. Returns false
    /// when the descriptor is not a pipe or a socket (nothing to watch).
    @discardableResult
    public static func watch(_ fileDescriptor: Int32, onHangUp: @escaping @Sendable () -> Void) -> Bool {
        watcher(fileDescriptor, onHangUp: onHangUp) != nil
    }

    /// `watch`, returning the watcher thread (nil when there is nothing to watch), so an in-process
    /// loop can wait for it to end before closing the descriptor it polls.
    static func watcher(_ fileDescriptor: Int32, onHangUp: @escaping @Sendable () -> Void) -> DedicatedThread? {
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        guard type == S_IFIFO || type == S_IFSOCK else { return nil }
        return DedicatedThread(name: "jsonrpc-hangup", stackSize: 64 << 10) {
            var entry = pollfd(fd: fileDescriptor, events: 0, revents: 0)
            while true {
                let ready = poll(&entry, 1, -1)
                if ready < 0 && errno == EINTR { continue }
                if ready < 0 { return }  // EBADF etc.: the descriptor is not ours to watch any more
                if entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { break }
            }
            onHangUp()
        }
    }
}
