#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ignoring SIGPIPE turns a vanished host into an EPIPE we handle, instead of process death.
private let sigpipeIgnored: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()

/// The single writer of protocol output.
///
/// Any thread may `send`; frames are appended whole to one queue and a dedicated writer
/// thread drains it, so frames never interleave and everything queued since the last write
/// goes out in one `write(2)`. Sending never blocks; the reader applies backpressure instead
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
        _ = sigpipeIgnored
        self.fileDescriptor = fileDescriptor
        self.currentFraming = framing
        self.highWaterMark = max(0, highWaterMark)
        self.closesFileDescriptor = closesFileDescriptor
        self.onClosed = onClosed
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
        if writerIdle && (holds == 0 || flushers > 0) { workAvailable.signal() }
    }

    /// Defers waking the writer until the matching `release()`.
    public func hold() {
        mutex.withLock { holds += 1 }
    }

    public func release() {
        mutex.withLock {
            holds -= 1
            if holds == 0 && writerIdle && !pending.isEmpty { workAvailable.signal() }
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
        if writerIdle && !pending.isEmpty { workAvailable.signal() }
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
        if shouldClose { _ = Glibc.close(fileDescriptor) }
    }

    // MARK: Writer thread

    private func runWriter() {
        // Two buffers swapped under the lock: senders fill one while the other is written.
        var batch: [UInt8] = []
        while true {
            mutex.lock()
            while pending.isEmpty && status == .open {
                writerIdle = true
                workAvailable.wait(mutex)
                writerIdle = false
            }
            if pending.isEmpty || status == .failed {
                writerRunning = false
                stateChanged.broadcast()
                mutex.unlock()
                return
            }
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
