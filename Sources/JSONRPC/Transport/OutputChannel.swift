import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The single writer of protocol output.
///
/// Any thread may `send`; frames are appended whole to one queue, and one thread at a time
/// writes it (`writing`), so frames never interleave and everything queued since the last write
/// goes out in one `write(2)`. When nothing is being written and no hold is on, the sending
/// thread writes the queue itself with one non-blocking write (a pipe's `RWF_NOWAIT`), which
/// saves a thread wake-up per answer; whatever the pipe does not take at once is left to a
/// dedicated writer thread. Sending never blocks; the reader applies backpressure instead
/// by calling `waitForCapacity()` before each read. The writer thread keeps the channel alive
/// until `close()` or a failed write.
public final class OutputChannel: @unchecked Sendable {
    public let fileDescriptor: Int32
    public let highWaterMark: Int

    private let mutex = PThreadMutex()
    private let workAvailable = PThreadCondition()
    private let stateChanged = PThreadCondition()

    // Guarded by `mutex`.
    private var pending: [UInt8] = []
    private var queuedBytes = 0
    private var currentFraming: Framing?
    private var status = Status.open
    private var writerRunning = true
    private var writerIdle = false
    /// A thread (the writer, or a sender writing directly) is writing bytes taken from `pending`.
    private var writing = false
    /// Whether senders may try a direct non-blocking write: the descriptor is a pipe and the
    /// kernel takes `RWF_NOWAIT` on it (cleared the first time it does not).
    private var directWrites: Bool
    /// The buffer a direct write takes `pending` into (swapped, so neither reallocates).
    private var directBatch: [UInt8] = []
    /// While held, sends queue without waking the writer: the reader answers a whole input chunk,
    /// then wakes it once, instead of paying a thread wake-up per message.
    private var holds = 0
    /// Threads inside `flush()`. While one waits, every send wakes the writer, hold or not:
    /// the flusher may itself be the holder (the `exit` handler runs on the reader thread,
    /// inside its hold), and a frame another thread sends meanwhile must still go out.
    private var flushers = 0
    private var onClosed: (@Sendable () -> Void)?
    private var descriptorClosed = false
    private let closesFileDescriptor: Bool

    private enum Status {
        case open
        /// `close()` was called: drain what is queued, accept nothing new.
        case closing
        /// A write failed: the peer is gone and output is dropped.
        case failed
    }

    /// - Parameters:
    ///   - framing: the framing of output; nil until the input's framing is decided
    ///     (`setFraming`). Frames sent while it is still nil use LSP framing.
    ///   - highWaterMark: queued bytes above which `waitForCapacity()` blocks.
    ///   - closesFileDescriptor: whether `close()` also closes `fileDescriptor`.
    ///   - onClosed: called once, on the writer thread, when a write fails (host gone).
    public init(
        fileDescriptor: Int32,
        framing: Framing? = nil,
        highWaterMark: Int = 4 << 20,
        closesFileDescriptor: Bool = false,
        onClosed: (@Sendable () -> Void)? = nil
    ) {
        Platform.ignoreSIGPIPE()
        self.fileDescriptor = fileDescriptor
        self.currentFraming = framing
        self.highWaterMark = max(0, highWaterMark)
        self.closesFileDescriptor = closesFileDescriptor
        self.onClosed = onClosed
        self.directWrites = NonBlockingWrite.isAvailable(on: fileDescriptor)
        _ = DedicatedThread(name: "jsonrpc-writer", stackSize: 256 << 10) { [self] in runWriter() }
    }

    /// The framing frames are encoded with; nil until known.
    public var framing: Framing? {
        mutex.withLock { currentFraming }
    }

    /// Sets the framing once the input's framing is decided (answers use the caller's framing).
    public func setFraming(_ framing: Framing) {
        mutex.withLock { currentFraming = framing }
    }

    /// True once a write failed or `close()` was called; later sends are dropped.
    public var isClosed: Bool {
        mutex.withLock { status != .open }
    }

    /// Bytes queued or being written.
    public var queuedByteCount: Int {
        mutex.withLock { queuedBytes }
    }

    /// Frames `body` and queues it. Never blocks; dropped silently if the channel is closed.
    public func send(_ body: some Collection<UInt8>) {
        let sent: Void? = body.withContiguousStorageIfAvailable { send(UnsafeRawBufferPointer($0)) }
        if sent == nil { Array(body).withUnsafeBytes { send($0) } }
    }

    /// Frames `body` and queues it; the bytes are copied once, straight into the queue.
    public func send(_ body: UnsafeRawBufferPointer) {
        let bytes = body.bindMemory(to: UInt8.self)
        mutex.lock()
        defer { mutex.unlock() }
        guard status == .open else { return }
        let before = pending.count
        FrameEncoder.encode(bytes, framing: currentFraming ?? .lsp, into: &pending)
        queuedBytes += pending.count - before
        if holds == 0 && !writing && directWrites {
            writeDirectly()
        } else if writerIdle && !writing && (holds == 0 || flushers > 0) {
            workAvailable.signal()
        }
    }

    /// Defers waking the writer until the matching `release()`.
    public func hold() {
        mutex.withLock { holds += 1 }
    }

    public func release() {
        mutex.withLock {
            holds -= 1
            guard holds == 0 && !pending.isEmpty && !writing else { return }
            if directWrites && status == .open {
                writeDirectly()
            } else if writerIdle {
                workAvailable.signal()
            }
        }
    }

    /// Blocks while more than `highWaterMark` bytes are queued, so a host that stops reading
    /// our output makes us stop reading its input instead of buffering without bound.
    public func waitForCapacity() {
        mutex.lock()
        while queuedBytes > highWaterMark && status != .failed { stateChanged.wait(mutex) }
        mutex.unlock()
    }

    /// Blocks until everything queued has been written or the channel failed; call before exit.
    public func flush() {
        mutex.lock()
        // A flush overrides any hold: whoever flushes is about to wait for the bytes to leave.
        flushers += 1
        if writerIdle && !pending.isEmpty && !writing { workAvailable.signal() }
        while queuedBytes > 0 && status != .failed && writerRunning { stateChanged.wait(mutex) }
        flushers -= 1
        mutex.unlock()
    }

    /// Writes what is queued, stops the writer thread and, if owned, closes the descriptor.
    /// Does not call `onClosed`, which reports the peer going away.
    public func close() {
        mutex.lock()
        if status == .open { status = .closing }
        workAvailable.signal()
        while writerRunning { stateChanged.wait(mutex) }
        let shouldClose = closesFileDescriptor && !descriptorClosed
        descriptorClosed = true
        mutex.unlock()
        if shouldClose { Platform.close(fileDescriptor) }
    }

    // MARK: Direct writes

    /// Called with `mutex` held, `pending` non-empty and nobody writing; returns with it held.
    /// Writes the queue from the calling thread without blocking; what the descriptor does not
    /// take at once goes back to the front of the queue for the writer thread.
    private func writeDirectly() {
        // A few rounds at most: frames other threads queued meanwhile, unless a hold came on.
        for _ in 0..<4 {
            writing = true
            swap(&pending, &directBatch)
            mutex.unlock()
            let (written, error) = directBatch.withUnsafeBytes { NonBlockingWrite.write(fileDescriptor, $0) }
            mutex.lock()
            writing = false
            queuedBytes -= written
            if error == 0 && written == directBatch.count {
                if directBatch.capacity > 1 << 20 { directBatch = [] } else { directBatch.removeAll(keepingCapacity: true) }
            } else if error == 0 || error == EAGAIN || error == EWOULDBLOCK || error == EOPNOTSUPP || error == EINVAL {
                // The pipe is full (or the kernel has no RWF_NOWAIT here): the writer thread takes the rest.
                if error == EOPNOTSUPP || error == EINVAL { directWrites = false }
                directBatch.removeFirst(written)
                directBatch.append(contentsOf: pending)
                swap(&pending, &directBatch)
                directBatch.removeAll(keepingCapacity: true)
            } else {
                // The peer is gone: the writer thread reports it (`onClosed`) and ends.
                status = .failed
                pending = []
                directBatch = []
                queuedBytes = 0
            }
            stateChanged.broadcast()
            let more = !pending.isEmpty && status == .open && directWrites && error == 0 && holds == 0
            if !more { break }
        }
        if writerIdle && (status != .open || (!pending.isEmpty && (holds == 0 || flushers > 0))) {
            workAvailable.signal()
        }
    }

    // MARK: Writer thread

    private func runWriter() {
        // Two buffers swapped under the lock: senders fill one while the other is written.
        var batch: [UInt8] = []
        while true {
            mutex.lock()
            // Wait for bytes nobody is writing yet, a failure, or a close with nothing left.
            while status != .failed && (writing || (pending.isEmpty && status == .open)) {
                writerIdle = true
                workAvailable.wait(mutex)
                writerIdle = false
            }
            if status == .failed {
                // A direct write failed: report it here, as for a failed write of our own.
                mutex.unlock()
                fail()
                return
            }
            if pending.isEmpty {
                writerRunning = false
                stateChanged.broadcast()
                mutex.unlock()
                return
            }
            writing = true
            swap(&pending, &batch)
            mutex.unlock()

            let error = batch.withUnsafeBytes { bytes in
                FileDescriptorIO.writeAll(fileDescriptor, bytes) { written in
                    mutex.withLock {
                        queuedBytes -= written
                        stateChanged.broadcast()
                    }
                }
            }
            mutex.withLock { writing = false }
            if error != 0 {
                fail()
                return
            }
            // Keep the capacity for the next batch unless a huge message inflated it.
            if batch.capacity > 1 << 20 { batch = [] } else { batch.removeAll(keepingCapacity: true) }
        }
    }

    private func fail() {
        mutex.lock()
        status = .failed
        pending = []
        queuedBytes = 0
        writerRunning = false
        let handler = onClosed
        onClosed = nil
        stateChanged.broadcast()
        mutex.unlock()
        handler?()
    }
}

/// `pwritev2(…, RWF_NOWAIT)`: a write that takes what fits and never waits for the reader.
/// Looked up at run time (the Glibc module does not declare it; Darwin has none); pipes only, where Linux
/// supports the flag (5.x kernels answer EOPNOTSUPP, and the channel stops trying).
enum NonBlockingWrite {
    private typealias PWriteV2 = @convention(c) (Int32, UnsafePointer<iovec>?, Int32, Int, Int32) -> Int
    private static let rwfNoWait: Int32 = 0x0000_0008

    private static let pwritev2: PWriteV2? = {
        guard let symbol = Platform.cFunction(named: "pwritev2") else { return nil }
        return unsafeBitCast(symbol, to: PWriteV2.self)
    }()

    static func isAvailable(on fd: Int32) -> Bool {
        guard pwritev2 != nil else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFIFO
    }

    /// Bytes written and 0, or the bytes written before an errno (EAGAIN when the pipe is full).
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (Int, Int32) {
        guard let pwritev2, let base = bytes.baseAddress else { return (0, EOPNOTSUPP) }
        var offset = 0
        while offset < bytes.count {
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: base + offset), iov_len: bytes.count - offset)
            let n = pwritev2(fd, &vector, 1, -1, rwfNoWait)
            if n > 0 {
                offset += n
                continue
            }
            if n == 0 { return (offset, EAGAIN) }
            let error = errno
            if error == EINTR { continue }
            return (offset, error)
        }
        return (offset, 0)
    }
}
