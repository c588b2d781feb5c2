import JSON
import JSONRPC
import Locking
import OpenFrameForwarding

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

/// The outbox in use, if any: opened at start (`--outbox`) or by `initialize` (`initializationOptions.outbox`).
///
/// Queued items left by an earlier server are resumed once the host has spoken (`startOnce`): with auto framing,
/// output before the first input would go out LSP-framed, and a notification in the wrong framing is lost on the host.
final class OutboxBox: @unchecked Sendable {
    private let lock = PThreadMutex()
    // Guarded by `lock`: set at start or by `initialize` (reader thread), read by handlers on any thread.
    private var _delivery: OutboxDelivery?
    private var started = false

    /// Starts delivering what the file holds, the first time it is called.
    func startOnce() {
        let delivery: OutboxDelivery? = lock.withLock {
            guard !started else { return nil }
            started = true
            return _delivery
        }
        delivery?.resume()
    }

    var delivery: OutboxDelivery? {
        get { lock.withLock { _delivery } }
        set { lock.withLock { _delivery = newValue } }
    }
}

extension TargetSettings {
    /// Opens the outbox file and builds its delivery engine over the target in `box`.
    func makeOutbox(path: String, box: TargetBox, log: Log) throws(ForwardingError) -> OutboxDelivery {
        let store: OutboxStore
        do {
            store = try OutboxStore(file: URL(fileURLWithPath: path), keepFinished: outboxMaxAge)
        } catch {
            throw .configuration(error.description)
        }
        for warning in store.warnings { log.warning(warning) }
        var settings = OutboxDelivery.Settings()
        settings.maxAge = outboxMaxAge
        settings.retryCap = outboxRetryCap
        settings.settle = 2 * requestTimeout
        return OutboxDelivery(store: store, settings: settings, target: { box.target }, log: { line in log.info(line) })
    }
}

/// The notifications that tell the host what became of its durable requests.
public enum OutboxNotifications {
    static let delivered = "openframe/delivered"
    static let deliveryFailed = "openframe/deliveryFailed"
    static let paused = "openframe/outboxPaused"
    /// Every notification of durable delivery (protocol.md's method table lists them).
    public static let all: Set<String> = [delivered, deliveryFailed, paused]

    /// Holds the server weakly: the server's handlers hold the outbox, which holds this.
    static func listener(_ server: Server) -> OutboxDelivery.Listener {
        OutboxDelivery.Listener(
            delivered: { [weak server] item in
                server?.notify(delivered, params: ["outboxId": .string(item.id), "result": .object(item.result ?? [:])])
            },
            failed: { [weak server] item in
                server?.notify(
                    deliveryFailed,
                    params: [
                        "outboxId": .string(item.id), "error": error(of: item).json, "parked": .bool(item.state == .parked),
                    ])
            },
            paused: { [weak server] reason in
                server?.notify(paused, params: ["reason": .string(reason)])
            })
    }

    /// A failed or parked item's error, as the JSON-RPC error the request would have had.
    static func error(of item: OutboxItem) -> ResponseError {
        let reason = item.reason ?? "not delivered"
        var error: ResponseError
        if item.state == .parked {
            error = ResponseError(code: .deliveryParked, message: "parked: \(reason)", data: ["reason": .string(reason)])
        } else if let stored = item.result, let status = stored["httpStatus"]?.intValue {
            error = ForwardingErrorMapping.responseError(
                .instance(
                    httpStatus: status, message: stored["message"]?.stringValue ?? "", detail: stored["detail"]?.stringValue))
        } else {
            error = ResponseError.invalidParams("not delivered: \(reason)")
        }
        var data = error.data?.objectValue ?? [:]
        data["outboxId"] = .string(item.id)
        error.data = .object(data)
        return error
    }
}

/// `openframe/outbox`: the items by state, for a host that restarted and catches up.
enum OutboxMethod {
    static let name = "openframe/outbox"

    static func handle(_ context: RequestContext, box: OutboxBox) throws -> JSONValue {
        let parameters = context.parameters
        if context.params != nil, !(context.params!.isNull) { try parameters.rejectUnknown(allowed: ["state", "includePayload"]) }
        guard let delivery = box.delivery else {
            throw ResponseError.invalidParams(
                "\(name): no outbox is configured; start the server with --outbox FILE or pass initializationOptions.outbox")
        }
        var state: OutboxItem.State?
        if let text = try parameters.optionalString("state") {
            guard let value = OutboxItem.State(rawValue: text) else {
                throw ResponseError.invalidParams(
                    "\(name): params.state must be \"queued\", \"delivered\", \"parked\" or \"failed\"; found \"\(text)\"")
            }
            state = value
        }
        var includePayload = false
        if let node = try parameters.member("includePayload") {
            guard let flag = node.boolValue else {
                throw ResponseError.invalidParams("\(name): params.includePayload must be true or false")
            }
            includePayload = flag
        }
        let items = delivery.store.list(state: state).map { item -> JSONValue in
            var json = item.json
            if !includePayload { json["payload"] = nil }
            if let parked = delivery.store.heldBy(item) { json["heldBy"] = .string(parked) }
            return .object(json)
        }
        var result: JSONObject = ["file": .string(delivery.store.path), "items": .array(items)]
        if let paused = delivery.paused { result["paused"] = .string(paused) }
        return .object(result)
    }
}
