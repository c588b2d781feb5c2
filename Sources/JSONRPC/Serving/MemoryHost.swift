import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's end of `Connection.memory()`: it writes raw bytes to the loop's input (so tests can
/// send broken framing too) and reads the loop's output back as message bodies. Two pipes carry
/// them, so the loop runs exactly as on stdio: reader, backpressure, writer, hang-up watcher.
///
/// Reading and writing block: call them off the cooperative pool, which the handlers under test use.
public final class MemoryHost: @unchecked Sendable {
    let serverInput: Int32
    let serverOutput: Int32
    private let input: Int32
    private let output: Int32
    private let lock = PThreadMutex()
    // Guarded by `lock`.
    private var inputOpen = true
    private var outputOpen = true
    private var connection: Connection?
    /// Touched only by the thread reading (`nextMessage`), one at a time.
    private var decoder = FrameDecoder(mode: .auto)
    private var decoded: [[UInt8]] = []
    private var outputEnded = false

    init() {
        var toServer: [Int32] = [-1, -1]
        var fromServer: [Int32] = [-1, -1]
        precondition(pipe(&toServer) == 0 && pipe(&fromServer) == 0, "pipe failed: \(errno)")
        serverInput = toServer[0]
        input = toServer[1]
        output = fromServer[0]
        serverOutput = fromServer[1]
    }

    func attach(_ connection: Connection) { lock.withLock { self.connection = connection } }

    /// Writes `bytes` to the loop's input as they are; blocks while the loop is not reading
    /// (backpressure). False once the input is closed.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard lock.withLock({ inputOpen }) else { return false }
        return bytes.withUnsafeBytes { FileDescriptorIO.writeAll(input, $0) { _ in } } == 0
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Writes `body` framed as `framing`.
    @discardableResult
    public func send(_ body: String, framing: Framing) -> Bool {
        write(FrameEncoder.encode(Array(body.utf8), framing: framing))
    }

    /// End of input, as a host closing the loop's stdin.
    public func closeInput() {
        let close = lock.withLock {
            defer { inputOpen = false }; return inputOpen
        }
        if close { Platform.close(input) }
    }

    /// The host stops reading and goes away, as a host closing the loop's stdout.
    public func closeOutput() {
        let close = lock.withLock {
            defer { outputOpen = false }; return outputOpen
        }
        if close { Platform.close(output) }
    }

    /// The next message body the loop wrote, or nil at the end of its output. Blocks until one comes;
    /// call from one thread at a time.
    public func nextMessage() -> [UInt8]? {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { chunk.deallocate() }
        while decoded.isEmpty && !outputEnded {
            if let event = decoder.next() {
                if case .frame(let body) = event { decoded.append(body) }
                continue
            }
            guard lock.withLock({ outputOpen }) else { outputEnded = true; break }
            let count = FileDescriptorIO.read(output, into: chunk)
            if count <= 0 {
                for case .frame(let body) in decoder.finish() { decoded.append(body) }
                outputEnded = true
                closeOutput()
                break
            }
            decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
        return decoded.isEmpty ? nil : decoded.removeFirst()
    }

    /// Ends the input, waits for the loop's reader, writer and watcher threads to end and closes every
    /// descriptor; what the loop wrote stays readable (`nextMessage`, nil after the last). Call once
    /// the loop has ended (`run()` returned); the loop's output must fit in the pipe (64 KiB) by then.
    public func finish() {
        closeInput()
        guard let connection = lock.withLock({ connection }) else { return }
        connection.waitForReader()
        connection.channel.close()
        if lock.withLock({ outputOpen }) {
            // Everything is written: take what the pipe holds without waiting, then hang up, which
            // wakes the watcher while the descriptor it polls is still open.
            _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
            defer { chunk.deallocate() }
            while true {
                let count = Platform.read(output, chunk.baseAddress, chunk.count)
                if count <= 0 { break }
                decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
            while let event = decoder.next() { if case .frame(let body) = event { decoded.append(body) } }
            for case .frame(let body) in decoder.finish() { decoded.append(body) }
            outputEnded = true
            closeOutput()
        }
        connection.watcher?.join()
        Platform.close(serverInput)
        Platform.close(serverOutput)
    }

    deinit {
        closeInput()
        closeOutput()
    }
}
