import JSON
import JSONRPC
import Locking

/// Registers handlers on a server together with the capability each announces, and answers
/// `initialize` from that: the capabilities a client is told of are those of what is registered,
/// never a hand-kept list. `initialize` has one handler, this one: the steps that settle session
/// state from the client's InitializeParams run first, in the order they were added, then every
/// capability is valued.
///
/// Every request in the `openframe/` namespace is listed in `capabilities.experimental.openframe.methods`.
public final class Registrar: @unchecked Sendable {
    /// A member of `capabilities`, at a path of member names, valued when `initialize` is answered.
    public struct Capability: Sendable {
        let path: [String]
        let value: @Sendable () -> JSONValue

        /// A capability whose value is fixed.
        public static func fixed(_ path: String..., value: JSONValue) -> Capability {
            Capability(path: path, value: { value })
        }

        /// A capability valued when `initialize` is answered, after the settle steps (a negotiated encoding, the target).
        public static func settled(_ path: String..., value: @escaping @Sendable () -> JSONValue) -> Capability {
            Capability(path: path, value: value)
        }
    }

    /// The namespace whose requests `experimental.openframe.methods` lists.
    static let openFrameNamespace = "openframe/"

    /// Unowned: the server owns its initialize handler, which owns this.
    public unowned let server: Server
    /// Guards the lists below; they are written while installing, before serving, and read by `initialize`.
    private let lock = PThreadMutex()
    private var capabilities: [Capability] = []
    private var requests: [String] = []
    private var notifications: [String] = []
    private var settleSteps: [@Sendable (JSONNode?) throws -> Void] = []

    public init(server: Server) {
        self.server = server
        server.initializeHandler = { [self] params in try initializeResult(params) }
    }

    public func request(_ method: String, announcing capability: Capability? = nil, _ handler: @escaping Server.SyncHandler) {
        record(request: method, capability)
        server.register(method, handler)
    }

    public func requestRaw(_ method: String, announcing capability: Capability? = nil, _ handler: @escaping Server.RawSyncHandler) {
        record(request: method, capability)
        server.registerRaw(method, handler)
    }

    /// `cancelData` is what a -32800 for this request carries in `data` (see `Server.register`).
    public func request(
        _ method: String, announcing capability: Capability? = nil, cancelData: JSONValue? = nil,
        async handler: @escaping Server.AsyncHandler
    ) {
        record(request: method, capability)
        server.register(method, cancelData: cancelData, async: handler)
    }

    /// Notifications that together earn one capability (the three of text document sync).
    public func notifications(_ handlers: [(String, Server.NotificationHandler)], announcing capability: Capability?) {
        lock.withLock {
            notifications += handlers.map(\.0)
            if let capability { capabilities.append(capability) }
        }
        for (method, handler) in handlers { server.onNotification(method, handler) }
    }

    /// A capability that belongs to the session rather than to one handler (the position encoding, the target).
    public func announce(_ capability: Capability) {
        lock.withLock { capabilities.append(capability) }
    }

    /// Runs on `initialize`, before the capabilities are valued; a `ResponseError` it throws is the answer.
    public func onInitialize(_ step: @escaping @Sendable (JSONNode?) throws -> Void) {
        lock.withLock { settleSteps.append(step) }
    }

    /// The requests registered here, in order.
    public var requestMethods: [String] { lock.withLock { requests } }
    /// The notifications registered here, in order.
    public var notificationMethods: [String] { lock.withLock { notifications } }

    private func record(request method: String, _ capability: Capability?) {
        lock.withLock {
            requests.append(method)
            if let capability { capabilities.append(capability) }
        }
    }

    func initializeResult(_ params: JSONNode?) throws -> JSONValue {
        let (steps, announced, requests) = lock.withLock { (settleSteps, capabilities, self.requests) }
        for step in steps { try step(params) }
        var object = JSONObject()
        let openFrameMethods = requests.filter { $0.hasPrefix(Self.openFrameNamespace) }
        if !openFrameMethods.isEmpty {
            Self.set(.array(openFrameMethods.map { .string($0) }), at: ["experimental", "openframe", "methods"], in: &object)
        }
        for capability in announced { Self.set(capability.value(), at: capability.path, in: &object) }
        return [
            "capabilities": .object(object),
            "serverInfo": ["name": .string(OpenFrameRPC.name), "version": .string(OpenFrameRPC.version)],
        ]
    }

    /// Sets `value` at `path`, making the objects on the way; a later value at the same path wins.
    static func set(_ value: JSONValue, at path: [String], in object: inout JSONObject) {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = value
            return
        }
        var inner: JSONObject
        if case .object(let existing)? = object[key] { inner = existing } else { inner = JSONObject() }
        set(value, at: Array(path.dropFirst()), in: &inner)
        object[key] = .object(inner)
    }
}
