import Locking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving loop: the reader thread (`StdioTransport`, with its `FrameDecoder`) feeds the
/// `Server`, whose answers go out through the one `OutputChannel` writer; a hang-up watcher notices
/// the host closing our output. It ends in exactly one of three ways, whichever comes first:
/// `exit` (flush, then the status LSP prescribes), the host gone (cancel what is in flight, 0), or
/// end of input (every request read answered and flushed, 0).
///
/// `stdio` ends the process at once when the loop ends (see `terminateProcess`); `memory` runs
/// the same loop over two pipes in this process, so tests drive all of it without a subprocess.
///
/// Owners: `server` and `channel` are built here and never replaced; the server's exit handler is
/// set here, before serving; `ending` decides who ended the loop (first caller wins).
public final class Connection: @unchecked Sendable {
    /// Register methods on it before `run()`.
    public let server: Server
    let channel: OutputChannel
    private let transport: StdioTransport
    private let ending: Ending
    /// The hang-up watcher's thread; `MemoryHost.finish` waits for it before closing the pipe it polls.
    let watcher: DedicatedThread?

    private init(
        input: Int32, output: Int32, mode: FramingMode, maxMessageBytes: Int,
        configuration: Server.Configuration, highWaterMark: Int, end: @escaping @Sendable (Int32) -> Void
    ) {
        let ending = Ending(end)
        self.ending = ending
        // The host went away (a write failed, or the watcher saw it close our output): nobody is left
        // to answer, so cancel what is in flight (forwards, retry waits, validations) and end quietly.
        // The channel's failure handler runs on the writer thread, which exists before `server` does.
        let serverBox = LateServer()
        let hostGone: @Sendable (String) -> Void = { how in
            guard !ending.hasEnded else { return }
            guard let server = serverBox.server else { return ending.end(0) }
            Log.shared.info("the host is gone (\(how)); cancelling \(server.inFlightCount) request(s) in flight and exiting")
            server.hostGone()
            ending.end(0)
        }
        let channel = OutputChannel(
            fileDescriptor: output, highWaterMark: highWaterMark, onClosed: { hostGone("a write to stdout failed") })
        let server = Server(output: channel, configuration: configuration)
        serverBox.server = server
        server.setExitHandler { code in
            channel.flush()
            ending.end(code)
        }
        self.server = server
        self.channel = channel
        self.transport = StdioTransport(inputFileDescriptor: input, output: channel, mode: mode, maxMessageBytes: maxMessageBytes)
        self.watcher = HangUpWatcher.watcher(output) { hostGone("stdout was closed") }
    }

    /// The loop on this process's stdin and stdout. Claims stdout for the protocol first (see
    /// `StdioTransport.claimStdout`); nil if stdout is closed (nothing to answer on).
    public static func stdio(
        mode: FramingMode = .auto, maxMessageBytes: Int = 16 << 20, configuration: Server.Configuration = Server.Configuration()
    ) -> Connection? {
        let protocolFD = StdioTransport.claimStdout()
        guard protocolFD >= 0 else { return nil }
        return Connection(
            input: STDIN_FILENO, output: protocolFD, mode: mode, maxMessageBytes: maxMessageBytes,
            configuration: configuration, highWaterMark: 4 << 20, end: { terminateProcess($0) })
    }

    /// The same loop over two pipes in this process, and the host's end of them. `run()` returns the
    /// status the process would have ended with; the loop's threads end once the host closes its input.
    public static func memory(
        mode: FramingMode = .auto, maxMessageBytes: Int = 16 << 20,
        configuration: Server.Configuration = Server.Configuration(), highWaterMark: Int = 4 << 20
    ) -> (connection: Connection, host: MemoryHost) {
        let host = MemoryHost()
        let connection = Connection(
            input: host.serverInput, output: host.serverOutput, mode: mode, maxMessageBytes: maxMessageBytes,
            configuration: configuration, highWaterMark: highWaterMark, end: { _ in })
        host.attach(connection)
        return (connection, host)
    }

    /// The JSON-RPC error a framing problem is answered with (id null): an oversized message is an
    /// invalid request (its bytes were skipped unread), anything else could not be parsed.
    public static func responseError(for error: FramingError) -> ResponseError {
        if case .messageTooLarge = error.kind { return .invalidRequest(error.message) }
        return .parseError(error.message)
    }

    /// Serves until the loop ends and returns the status it ended with (with `stdio`, the process
    /// ends instead). Call once, after registering the methods.
    @discardableResult
    public func run() -> Int32 {
        let server = self.server
        let ending = self.ending
        let channel = self.channel
        server.startServing()
        transport.start(
            onEvent: { event in
                // Only after an in-process loop ended; a process is gone by then.
                guard !ending.hasEnded else { return }
                switch event {
                case .frame(let bytes): server.receive(frame: bytes)
                case .error(let error): server.receive(framingError: Self.responseError(for: error))
                }
            },
            onEndOfInput: {
                // On the reader thread, once the input's last events are delivered.
                guard !ending.hasEnded else { return }
                server.endOfInput()
                channel.flush()
                ending.end(0)
            })
        // The calling thread waits for the end instead of parking in dispatchMain(): nothing here
        // uses the main queue, and valgrind (bench/profile) cannot run a process parked there.
        return ending.waitForStatus()
    }

    /// Blocks until the reader thread has delivered end of input (for `MemoryHost.finish`).
    func waitForReader() { transport.waitForEndOfInput() }

    /// Ends the process at once, without exit(3)'s teardown. exit() runs atexit handlers and
    /// static destructors while the other threads keep running; OpenSSL's cleanup (registered
    /// when libcurl starts, with the first forward) then frees locks that a forward still in
    /// progress takes: SIGSEGV in pthread_rwlock_wrlock, or "double free or corruption" (found by
    /// the soak). Nothing is owed to that teardown: the answers are flushed, log lines go out with
    /// write(2), and the sandbox file is fsync'ed before a record is answered. _exit is also safe
    /// when two threads get here at once (the host gone on the writer thread, end of input here).
    public static func terminateProcess(_ code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}

/// Which way the loop ended. The first `end` wins and runs the ending (with `stdio`, `_exit`); later
/// ones, from threads that raced it, do nothing.
final class Ending: @unchecked Sendable {
    private let condition = ConditionLock()
    private let body: @Sendable (Int32) -> Void
    // Guarded by `condition`.
    private var status: Int32?

    init(_ body: @escaping @Sendable (Int32) -> Void) { self.body = body }

    var hasEnded: Bool { condition.withLock { status != nil } }

    func end(_ code: Int32) {
        let first = condition.withLock {
            guard status == nil else { return false }
            status = code
            condition.broadcast()
            return true
        }
        if first { body(code) }
    }

    func waitForStatus() -> Int32 {
        condition.lock()
        while status == nil { condition.wait() }
        let code = status!
        condition.unlock()
        return code
    }
}

/// The server, for the host-gone handler made before it (the channel needs the handler, the server the channel).
private final class LateServer: @unchecked Sendable {
    private let lock = PThreadMutex()
    // Guarded by `lock`; set once, right after the server is made.
    private var _server: Server?
    var server: Server? {
        get { lock.withLock { _server } }
        set { lock.withLock { _server = newValue } }
    }
}
