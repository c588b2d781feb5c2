import JSON

/// What a client can send: a request (answered), a notification (never answered) or a
/// response (to a request the server sent; the server sends none, so these are only logged).
public enum Message: Sendable {
    case request(Request)
    case notification(Notification)
    case response(id: RequestID)
}

public struct Request: Sendable {
    public let id: RequestID
    public let method: String
    /// The params member as parsed, with its source spans; nil when absent.
    public let params: JSONNode?
    /// Size of the frame the request came in, so the dispatcher can keep large work off the reader thread.
    public let frameBytes: Int

    public init(id: RequestID, method: String, params: JSONNode?, frameBytes: Int = 0) {
        self.id = id
        self.method = method
        self.params = params
        self.frameBytes = frameBytes
    }
}

public struct Notification: Sendable {
    public let method: String
    public let params: JSONNode?

    public init(method: String, params: JSONNode?) {
        self.method = method
        self.params = params
    }
}
