#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking read/write that survive signals and descriptors a parent left non-blocking.
enum FileDescriptorIO {
    /// Bytes read, 0 at end of input, or -errno on failure.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let n = Platform.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                if waitUntilReady(fd, events: Int16(POLLIN)) { continue }
            }
            return -Int(error)
        }
    }

    /// Writes all of `bytes`, reporting each partial write to `progress`. Returns 0 or an errno.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, progress: (Int) -> Void) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let n = Platform.write(fd, base + offset, bytes.count - offset)
            if n > 0 {
                offset += n
                progress(n)
                continue
            }
            if n == 0 { return EIO }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                if waitUntilReady(fd, events: Int16(POLLOUT)) { continue }
            }
            return error
        }
        return 0
    }

    /// Blocks (no timeout) until `fd` is ready; only needed for non-blocking descriptors.
    private static func waitUntilReady(_ fd: Int32, events: Int16) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let result = poll(&descriptor, 1, -1)
            if result >= 0 { return true }
            if errno != EINTR { return false }
        }
    }
}
