import JSON
import Locking

#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// The JSON-RPC 2.0 dispatcher with an LSP-style lifecycle. It knows nothing of any domain:
/// hosts register methods; the transport feeds it frames from one reader thread.
///
/// Threading: `receive` is called from the reader thread only. Small synchronous handlers run
/// inline there (no hand-off is cheaper than any hand-off); large ones go to a Dispatch queue and
/// async handlers to a Task, so a slow request never holds up the ones read after it.
public final class Server: @unchecked Sendable {
    public typealias SyncHandler = @Sendable (RequestContext) throws -> JSONValue
    /// A synchronous handler that returns its result already encoded as JSON text (one value, compact),
    /// which the response splices in as it is: no JSONValue tree to build and walk.
    public typealias RawSyncHandler = @Sendable (RequestContext) throws -> [UInt8]
    public typealias AsyncHandler = @Sendable (RequestContext) async throws -> JSONValue
    public typealias NotificationHandler = @Sendable (Notification) -> Void

    public struct Configuration: Sendable {
        public var maxDepth: Int = JSONParser.defaultMaxDepth
        /// Synchronous handlers of frames up to this size run on the reader thread.
        public var inlineFrameLimit: Int = 64 * 1024
        /// Requests served off the reader thread at once; past it the reader waits before reading on,
        /// so a host that pipelines faster than the instance answers holds the queue, not our memory.
        public var maxInFlight: Int = 1024
        /// Members one batch may hold; a longer batch is one -32600 before any of it is served,
        /// because its answer is one frame that output back-pressure cannot split.
        public var maxBatchLength: Int = 1000
        /// Bytes one batch's answer may grow to. Past it, an answer over `batchSmallAnswerBytes` is
        /// replaced by a short -32600 (the request may be sent again alone); smaller ones (creates,
        /// updates: their work is done and must be reported) always go in. So a batch's answer is at
        /// most about `maxBatchAnswerBytes + maxBatchLength * batchSmallAnswerBytes`.
        public var maxBatchAnswerBytes: Int = 16 << 20
        public var batchSmallAnswerBytes: Int = 4 << 10

        public init() {}
    }

    enum Handler {
        case sync(SyncHandler)
        case raw(RawSyncHandler)
        /// `cancelData`: the -32800 answer's `data` if the request is cancelled before the handler sets its own.
        case async(AsyncHandler, cancelData: JSONValue?)
    }

    /// The lifecycle as LSP defines it; glue scripts may skip `initialize` altogether.
    enum State {
        case running
        case shutDown
    }

    private let output: MessageOutput
    private let configuration: Configuration
    private let lock = PThreadMutex()
    private var handlers: [String: Handler] = [:]
    private var notificationHandlers: [String: NotificationHandler] = [:]
    private var state = State.running
    private var initialized = false
    private let inFlight = InFlightRequests()
    /// Answers being prepared outside the in-flight table (shutdown's), which end of input also waits for.
    private let pendingAnswers = DispatchGroup()
    private let log = Log.shared

    // Set once, before serving (checked), then only read: `initialize` answers from the one handler
    // whoever installs the methods sets (the Registrar, above this layer); `exit` ends the loop the
    // serving `Connection` set up. Guarded by `lock` all the same, so a late set fails loudly, not racily.
    private var _initializeHandler: @Sendable (JSONNode?) throws -> JSONValue = { _ in .object([:]) }
    private var initializeHandlerSet = false
    private var _exitHandler: @Sendable (Int32) -> Void = { _ in }
    private var exitHandlerSet = false
    /// Set by the first request dispatched (or `startServing`); from then on the handlers above are fixed.
    private var serving = false

    /// Produces `initialize`'s result; the params node is the client's InitializeParams. Set it once,
    /// before serving: a second set or a set after the first frame is a programming error (trap).
    public var initializeHandler: @Sendable (JSONNode?) throws -> JSONValue {
        get { lock.withLock { _initializeHandler } }
        set {
            lock.withLock {
                precondition(!serving, "Server.initializeHandler set after serving started")
                precondition(!initializeHandlerSet, "Server.initializeHandler set twice; one installer owns initialize (see Registrar)")
                initializeHandlerSet = true
                _initializeHandler = newValue
            }
        }
    }

    /// Called once when the loop should end (after `exit`), with the exit status LSP prescribes.
    /// The serving `Connection` owns it; set once, before serving (checked).
    func setExitHandler(_ handler: @escaping @Sendable (Int32) -> Void) {
        lock.withLock {
            precondition(!serving, "Server exit handler set after serving started")
            precondition(!exitHandlerSet, "Server exit handler set twice; the serving Connection owns it")
            exitHandlerSet = true
            _exitHandler = handler
        }
    }

    /// Fixes the handlers above; called by `Connection.run()` (and by the first request for a server driven directly).
    func startServing() {
        lock.withLock { serving = true }
    }

    public init(output: MessageOutput, configuration: Configuration = Configuration()) {
        self.output = output
        self.configuration = configuration
    }

    public func register(_ method: String, _ handler: @escaping SyncHandler) {
        lock.withLock { handlers[method] = .sync(handler) }
    }

    /// Registers a synchronous handler whose result is JSON text it wrote itself; the caller
    /// guarantees it is one valid, compact JSON value.
    public func registerRaw(_ method: String, _ handler: @escaping RawSyncHandler) {
        lock.withLock { handlers[method] = .raw(handler) }
    }

    /// `cancelData` is what a -32800 answer's `data` says when the request is cancelled before the
    /// handler said otherwise (`RequestCancellation.setData`), e.g. that nothing was sent yet.
    public func register(_ method: String, cancelData: JSONValue? = nil, async handler: @escaping AsyncHandler) {
        lock.withLock { handlers[method] = .async(handler, cancelData: cancelData) }
    }

    public func onNotification(_ method: String, _ handler: @escaping NotificationHandler) {
        lock.withLock { notificationHandlers[method] = handler }
    }

    /// A notification the server sends on its own (e.g. `textDocument/publishDiagnostics`).
    public func notify(_ method: String, params: JSONValue?) {
        output.send(MessageEncoder.notification(method: method, params: params))
    }

    /// Requests being served right now.
    public var inFlightCount: Int { inFlight.count }

    /// What a host can send that this server handles: the registered requests and notifications
    /// and the server's own (lifecycle, cancellation); protocol.md's method index is checked against it.
    public var handledMethods: (requests: Set<String>, notifications: Set<String>) {
        lock.withLock { (Set(handlers.keys).union(Self.ownRequests), Set(notificationHandlers.keys).union(Self.ownNotifications)) }
    }

    /// The methods `dispatch` and `handle(_ notification:)` answer themselves, whatever is registered.
    static let ownRequests: Set<String> = ["initialize", "shutdown"]
    static let ownNotifications: Set<String> = ["initialized", "exit", "$/cancelRequest", "$/setTrace"]

    // MARK: input

    /// One frame from the transport.
    public func receive(frame: [UInt8]) {
        switch MessageParser.parse(frame, maxDepth: configuration.maxDepth) {
        case .single(let item):
            handle(item, batch: nil)
        case .batch(let items):
            guard items.count <= configuration.maxBatchLength else {
                let error = ResponseError.invalidRequest(
                    "invalid request: a batch of \(items.count) messages; at most \(configuration.maxBatchLength) "
                        + "are accepted in one batch (send the rest in further batches or one by one); nothing in it was served")
                log.warning(error.message)
                output.send(MessageEncoder.response(id: .null, result: .failure(error)))
                return
            }
            let requests = items.reduce(0) { count, item in
                if case .message(.request) = item { return count + 1 }
                if case .invalid = item { return count + 1 }
                return count
            }
            let collector =
                requests > 0
                ? BatchCollector(
                    output: output, expected: requests,
                    maxBytes: configuration.maxBatchAnswerBytes, smallAnswerBytes: configuration.batchSmallAnswerBytes)
                : nil
            // An `exit` in a batch ends the process only once every member has its answer in the
            // batch's array: those before it are served (and, still in flight at the exit, cancelled
            // like any), those after it are cancelled unserved. Exiting on the spot lost them all.
            guard let exitAt = items.firstIndex(where: Self.isExit) else {
                for item in items { handle(item, batch: collector) }
                return
            }
            for item in items[..<exitAt] { handle(item, batch: collector) }
            for item in items[(exitAt + 1)...] {
                switch item {
                case .message(.request(let request)):
                    Reply(id: request.id, output: output, batch: collector).send(
                        .failure(
                            ResponseError(
                                code: .requestCancelled,
                                message:
                                    "request \(request.id) cancelled: the server is exiting (an exit came before it in the batch); it was not served",
                                data: ["sent": false, "mayHaveActed": false])))
                case .invalid:
                    handle(item, batch: collector)
                default:
                    break
                }
            }
            handle(items[exitAt], batch: collector)
        }
    }

    private static func isExit(_ item: MessageParser.Item) -> Bool {
        if case .message(.notification(let notification)) = item { return notification.method == "exit" }
        return false
    }

    /// The host is gone (its end of stdout closed): nobody can hear an answer, so everything in
    /// flight is cancelled now (forwards, retry waits, validations) instead of running on for no one.
    /// The caller then ends the process.
    public func hostGone() {
        inFlight.cancelAll { id in .cancelled("request \(id) cancelled: the host is gone") }
    }

    /// A frame the transport could not delimit or had to skip; answered with id null.
    public func receive(framingError error: ResponseError) {
        log.warning(error.message)
        output.send(MessageEncoder.response(id: .null, result: .failure(error)))
    }

    /// End of input: every request read is answered before this returns.
    public func endOfInput() {
        inFlight.waitUntilAnswered()
        pendingAnswers.wait()
    }

    // MARK: dispatch

    private func handle(_ item: MessageParser.Item, batch: BatchCollector?) {
        switch item {
        case .invalid(let id, let error):
            log.debug("invalid message: \(error.message)")
            Reply(id: id, output: output, batch: batch).send(.failure(error))
        case .message(.request(let request)):
            dispatch(request, reply: Reply(id: request.id, output: output, batch: batch))
        case .message(.notification(let notification)):
            handle(notification)
        case .message(.response(let id)):
            log.debug("ignored a response with id \(id): this server sends no requests")
        }
    }

    private func dispatch(_ request: Request, reply: Reply) {
        let (state, handler) = lock.withLock {
            serving = true
            return (self.state, handlers[request.method])
        }
        if state == .shutDown {
            reply.send(.failure(.invalidRequest("invalid request: the server is shutting down; only the 'exit' notification is accepted")))
            return
        }
        switch request.method {
        case "initialize":
            reply.send(initialize(request.params))
            return
        case "shutdown":
            shutdown(reply)
            return
        default:
            break
        }
        guard let handler else {
            reply.send(.failure(.methodNotFound(request.method)))
            return
        }
        let cancellation = RequestCancellation()
        let context = RequestContext(request: request, output: output, cancellation: cancellation)
        switch handler {
        case .sync(let body) where request.frameBytes <= configuration.inlineFrameLimit:
            reply.send(Self.run(body, context))
            cancellation.finish()
        case .sync(let body):
            inFlight.waitForRoom(below: configuration.maxInFlight)
            let serial = inFlight.add(request.id, reply: reply, cancellation: cancellation)
            DispatchQueue.global().async { [inFlight] in
                inFlight.answer(serial, with: Self.run(body, context))
                cancellation.finish()
            }
        case .raw(let body) where request.frameBytes <= configuration.inlineFrameLimit:
            reply.send(encoded: Self.run(body, context))
            cancellation.finish()
        case .raw(let body):
            inFlight.waitForRoom(below: configuration.maxInFlight)
            let serial = inFlight.add(request.id, reply: reply, cancellation: cancellation)
            DispatchQueue.global().async { [inFlight] in
                inFlight.answer(serial, encoded: Self.run(body, context))
                cancellation.finish()
            }
        case .async(let body, let cancelData):
            cancellation.setData(cancelData)
            inFlight.waitForRoom(below: configuration.maxInFlight)
            let serial = inFlight.add(request.id, reply: reply, cancellation: cancellation)
            let task = Task { [inFlight] in
                let result: Result<JSONValue, ResponseError>
                do {
                    result = .success(try await body(context))
                } catch {
                    result = .failure(Self.responseError(error))
                }
                inFlight.answer(serial, with: result)
                cancellation.finish()
            }
            inFlight.attach(serial, task: task)
        }
    }

    private static func run(_ body: SyncHandler, _ context: RequestContext) -> Result<JSONValue, ResponseError> {
        do {
            return .success(try body(context))
        } catch {
            return .failure(responseError(error))
        }
    }

    private static func run(_ body: RawSyncHandler, _ context: RequestContext) -> Result<[UInt8], ResponseError> {
        do {
            return .success(try body(context))
        } catch {
            return .failure(responseError(error))
        }
    }

    static func responseError(_ error: any Error) -> ResponseError {
        if let error = error as? ResponseError { return error }
        if error is CancellationError { return .cancelled() }
        return .internalError("internal error: \(error)")
    }

    private func handle(_ notification: Notification) {
        switch notification.method {
        case "$/cancelRequest":
            guard let node = notification.params?["id"], let id = RequestID(node) else {
                log.warning("$/cancelRequest without a valid params.id; ignored")
                return
            }
            if inFlight.cancel(matching: id, with: .cancelled("request \(id) cancelled by the client")) == 0 {
                log.debug("$/cancelRequest for \(id): nothing in flight (already answered?)")
            }
        case "exit":
            let code: Int32 = lock.withLock { state == .shutDown } ? 0 : 1
            inFlight.cancelAll { id in .cancelled("request \(id) cancelled: the server is exiting") }
            // An answer a handler took out of the table just before is still on its way to the
            // output: wait for it (and for shutdown's), as end of input does, or exit loses it.
            inFlight.waitUntilAnswered()
            pendingAnswers.wait()
            lock.withLock { _exitHandler }(code)
        case "initialized", "$/setTrace":
            break
        default:
            if let handler = lock.withLock({ notificationHandlers[notification.method] }) {
                handler(notification)
            } else {
                log.debug("ignored notification '\(notification.method)'")
            }
        }
    }

    private func initialize(_ params: JSONNode?) -> Result<JSONValue, ResponseError> {
        if let params, params.kind != .object {
            return .failure(.invalidParams("initialize: params must be an object; found \(params.kind)"))
        }
        let again = lock.withLock {
            defer { initialized = true }
            return initialized
        }
        if again { return .failure(.invalidRequest("invalid request: initialize was already received")) }
        do {
            return .success(try lock.withLock { _initializeHandler }(params))
        } catch {
            // A failed initialize may be sent again (LSP clients retry with corrected options);
            // only a successful one makes a second one an error.
            lock.withLock { initialized = false }
            return .failure(Self.responseError(error))
        }
    }

    /// Answers once everything read before it is answered, so no request is lost to a shutdown.
    private func shutdown(_ reply: Reply) {
        lock.withLock { state = .shutDown }
        let inFlight = self.inFlight
        pendingAnswers.enter()
        DispatchQueue.global().async { [pendingAnswers] in
            inFlight.waitUntilAnswered()
            reply.send(.success(.null))
            pendingAnswers.leave()
        }
    }
}
