import JSON

/// Where create and update requests go: a ServiceNow instance, or the embedded sandbox that
/// answers as one would. The JSON-RPC methods only ever talk to this protocol.
public protocol InteractionTarget: Sendable {
    /// "instance" or "sandbox", as the methods report it in `target`.
    var kind: TargetKind { get }
    /// For people: the base URL or the sandbox file; never a credential.
    var displayName: String { get }

    /// POST …/voice-interaction. Returns the instance's `result` object as sent (status, sysId, number).
    func create(payload: JSONNode, apiVersion: String?, progress: ProgressSink) async throws(ForwardingError) -> JSONObject

    /// PATCH …/voice-interaction/{sysId}. Returns the instance's `result` object (status).
    func update(sysId: String, payload: JSONNode, apiVersion: String?, progress: ProgressSink) async throws(ForwardingError) -> JSONObject

    /// GET /api/now/table/interaction by client_session_id (see `InteractionLookup.decide`): whether a create
    /// that may have reached the instance was stored. Read-only, so any failure may simply be asked again.
    func findInteraction(clientSessionId: String) async throws(ForwardingError) -> InteractionLookup
}

public enum TargetKind: String, Sendable {
    case instance
    case sandbox
}

/// Stages of one forward, reported to the host as `$/progress` reports.
public enum ForwardingProgress: Sendable, Equatable {
    /// The request is about to go out (attempt counts from 1).
    case sending(host: String, attempt: Int)
    /// The request is sent; the instance has not answered yet.
    case waiting(host: String)
    /// A retry is scheduled; `reason` says why it is safe (the instance certainly did not act).
    case retrying(attempt: Int, reason: String, delaySeconds: Double)
    /// Waiting for a free slot under --max-concurrent-forwards.
    case queued(position: Int)
}

public typealias ProgressSink = @Sendable (ForwardingProgress) -> Void

/// Why a forward failed. Messages never contain a credential.
public enum ForwardingError: Error, Sendable, Equatable {
    /// The instance answered, but not with success: a non-2xx status (its ServiceNow error body
    /// parsed into message and detail), a 202, or a 2xx whose result.status is not SUCCESS.
    case instance(httpStatus: Int, message: String, detail: String?)
    /// No usable answer: unreachable host, TLS failure, timeout, dropped connection. `reason` says which,
    /// and whether the instance may have acted; `mayHaveActed` says the same for code (false only
    /// when the request certainly never reached the instance, so sending it again cannot duplicate).
    case unreachable(reason: String, mayHaveActed: Bool)
    /// The host cancelled the request; the HTTP request in flight and any pending retry were stopped.
    case cancelled
    /// Local configuration problem (bad apiVersion, bad sys_id, bad auth settings).
    case configuration(String)
}
