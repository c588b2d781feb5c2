import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads framed messages from an input descriptor on a dedicated thread and answers through
/// an `OutputChannel`.
///
/// Reading blocks in `read(2)` on its own OS thread, never on the cooperative pool, and pauses
/// whenever the output backs up (see `OutputChannel.waitForCapacity()`). Works on any
/// descriptors, so tests can use pipes.
public final class StdioTransport: @unchecked Sendable {
    public let inputFileDescriptor: Int32
    public let output: OutputChannel
    public let mode: FramingMode
    public let maxMessageBytes: Int
    public let readChunkSize: Int
    public let readerStackSize: Int

    private let mutex = PThreadMutex()
    private var readerThread: DedicatedThread?

    /// - Parameters:
    ///   - readerStackSize: the handler runs on the reader thread, so this must fit whatever
    ///     it does, e.g. parsing deeply nested JSON.
    public init(
        inputFileDescriptor: Int32 = STDIN_FILENO,
        output: OutputChannel,
        mode: FramingMode = .auto,
        maxMessageBytes: Int = 16 << 20,
        readChunkSize: Int = 64 << 10,
        readerStackSize: Int = 16 << 20
    ) {
        self.inputFileDescriptor = inputFileDescriptor
        self.output = output
        self.mode = mode
        self.maxMessageBytes = maxMessageBytes
        self.readChunkSize = max(1, readChunkSize)
        self.readerStackSize = readerStackSize
    }

    /// Takes stdout for the protocol: returns a private duplicate of fd 1 and points fd 1 at
    /// stderr, so a stray `print` cannot corrupt the stream. SIGPIPE is ignored first (see
    /// `Platform.ignoreSIGPIPE`): the flush below may already write to a host that is gone. Returns -1
    /// if stdout cannot be duplicated (it was closed).
    public static func claimStdout() -> Int32 {
        Platform.ignoreSIGPIPE()
        fflush(nil)  // whatever was printed so far still goes to the real stdout
        let fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        _ = dup2(STDERR_FILENO, STDOUT_FILENO)
        return fd
    }

    /// Starts the reader thread. `onEvent` is called on that thread, in input order, for each
    /// frame or framing error; by then `output` has the input's framing. At end of input or
    /// on a read error, the decoder's final events are delivered, then `onEndOfInput`.
    /// Call once.
    public func start(
        onEvent: @escaping @Sendable (FrameEvent) -> Void,
        onEndOfInput: @escaping @Sendable () -> Void
    ) {
        let thread = DedicatedThread(name: "jsonrpc-reader", stackSize: readerStackSize) { [self] in
            readLoop(onEvent: onEvent)
            onEndOfInput()
        }
        mutex.withLock {
            precondition(readerThread == nil, "StdioTransport.start called twice")
            readerThread = thread
        }
    }

    /// Blocks until the reader thread has delivered end of input.
    public func waitForEndOfInput() {
        let thread = mutex.withLock { readerThread }
        thread?.join()
    }

    private func readLoop(onEvent: (FrameEvent) -> Void) {
        var decoder = FrameDecoder(mode: mode, maxMessageBytes: maxMessageBytes)
        var framingAnnounced = false
        func deliver(_ event: FrameEvent) {
            if !framingAnnounced, let framing = decoder.framing {
                output.setFraming(framing)
                framingAnnounced = true
            }
            onEvent(event)
        }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: readChunkSize, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            output.waitForCapacity()
            let count = FileDescriptorIO.read(inputFileDescriptor, into: chunk)
            if count <= 0 { break }
            decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            output.hold()
            while let event = decoder.next() { deliver(event) }
            output.release()
        }
        for event in decoder.finish() { deliver(event) }
    }
}
