import JSON

/// What a handler gets: the request and a way to talk back before it answers. It holds no
/// cancellation state: a cancelled request (`$/cancelRequest`, `exit`) is answered -32800 at once by
/// `InFlightRequests`, which also cancels an async handler's Task (seen as `Task.isCancelled` or a
/// thrown `CancellationError`); whatever a handler returns after that is dropped.
public struct RequestContext: Sendable {
    public let request: Request
    let output: MessageOutput
    /// Cancelled by `$/cancelRequest`, `exit` or the host going away; never for a request served inline.
    public let cancellation: RequestCancellation

    init(request: Request, output: MessageOutput, cancellation: RequestCancellation = RequestCancellation()) {
        self.request = request
        self.output = output
        self.cancellation = cancellation
    }

    /// Whether the request was cancelled; long work checks it and stops (throwing `CancellationError`).
    public var isCancelled: Bool { cancellation.isCancelled }

    public var id: RequestID { request.id }
    public var method: String { request.method }
    public var params: JSONNode? { request.params }

    /// Sends a notification now. Everything sent before the handler returns reaches the host before its answer.
    public func notify(_ method: String, params: JSONValue?) {
        output.send(MessageEncoder.notification(method: method, params: params))
    }

    /// Readers for the params object that answer -32602 with a message naming the member.
    public var parameters: Parameters { Parameters(node: request.params, method: request.method) }
}

/// Typed access to a params object; each failure is an invalid-params error that says what and where.
public struct Parameters: Sendable {
    public let node: JSONNode?
    let method: String
    /// The method the params belong to, for error messages.
    public var methodName: String { method }

    public func object() throws(ResponseError) -> JSONNode {
        guard let node, node.kind == .object else {
            throw .invalidParams("\(method): params must be an object; found \(node.map { $0.kind.description } ?? "nothing")")
        }
        return node
    }

    public func member(_ key: String) throws(ResponseError) -> JSONNode? {
        try object()[key]
    }

    public func require(_ key: String, _ kind: JSONKind) throws(ResponseError) -> JSONNode {
        guard let value = try member(key) else {
            throw .invalidParams("\(method): missing params.\(key); expected \(kind)")
        }
        guard value.kind == kind else {
            throw .invalidParams("\(method): params.\(key) must be \(kind); found \(value.kind)")
        }
        return value
    }

    public func optionalString(_ key: String) throws(ResponseError) -> String? {
        try optionalString(key, value: try member(key))
    }

    /// `optionalString(key)` for a member already found (by a caller reading the members in one pass).
    public func optionalString(_ key: String, value: JSONNode?) throws(ResponseError) -> String? {
        guard let value else { return nil }
        guard let string = value.stringValue else {
            throw .invalidParams("\(method): params.\(key) must be a string; found \(value.kind)")
        }
        return string
    }

    public func requireString(_ key: String) throws(ResponseError) -> String {
        try require(key, .string).stringValue!
    }

    /// Rejects members the method does not know, so a misspelt option is not silently ignored.
    public func rejectUnknown(allowed: Set<String>) throws(ResponseError) {
        for member in try object().members where !allowed.contains(member.key) {
            throw unknownMember(member.key, allowed: allowed)
        }
    }

    /// The error `rejectUnknown` throws for `key`.
    public func unknownMember(_ key: String, allowed: Set<String>) -> ResponseError {
        let known = allowed.sorted().map { "'\($0)'" }.joined(separator: ", ")
        return .invalidParams("\(method): unknown member params.\(key); expected one of \(known)")
    }
}
