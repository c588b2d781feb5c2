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

/// Delivers the outbox's items to the target, in the background, with retries that cannot duplicate
/// (protocol.md, "Durable delivery"):
///
/// - one worker per interaction key sends that key's items one at a time in acceptance order; keys do not wait
///   for each other; a parked item holds back the later items of its interaction;
/// - every send is first marked in the file (`sending`), so a crash mid-send leaves "outcome unknown";
/// - certainly not acted (refused, 429, 503): back off and send again, until `maxAge`, then park;
/// - outcome unknown (timeout, dropped, 500/502/504, a crash): a create is looked up by its clientSessionId
///   (found: delivered; none: sent again; anything else: parked), a create without one is parked, an update is
///   sent again only when it is idempotent, else parked;
/// - other 4xx: failed; 401 (after the token refresh): delivery pauses until `resume()`.
public final class OutboxDelivery: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Seconds from acceptance after which an item that still cannot be sent is parked.
        public var maxAge: Double = 24 * 3600
        public var retryBase: Double = 0.5
        /// Longest wait between two attempts of one item.
        public var retryCap: Double = 30
        /// After a send with an unknown outcome, seconds (from the send's start) before the item is looked up
        /// or sent again: a request the instance is still working on must have finished by then, or the lookup
        /// would miss it and the re-send duplicate it. Twice the request timeout by default.
        public var settle: Double = 60
        public init() {}
    }

    /// What the host hears; called from the workers, once per outcome.
    public struct Listener: Sendable {
        public var delivered: @Sendable (OutboxItem) -> Void
        public var failed: @Sendable (OutboxItem) -> Void
        public var paused: @Sendable (String) -> Void
        public init(
            delivered: @escaping @Sendable (OutboxItem) -> Void, failed: @escaping @Sendable (OutboxItem) -> Void,
            paused: @escaping @Sendable (String) -> Void
        ) {
            self.delivered = delivered
            self.failed = failed
            self.paused = paused
        }
    }

    public let store: OutboxStore
    public let settings: Settings
    private let target: @Sendable () -> any InteractionTarget
    private let log: @Sendable (String) -> Void
    private let lock = PThreadMutex()
    private var running: Set<String> = []
    private var waiters: [String: [Int: CheckedContinuation<OutboxItem?, Never>]] = [:]
    private var nextWaiter = 0
    private var pausedReason: String?
    /// When a send certainly did not reach the instance, no item is sent before this (seconds since 1970):
    /// during an outage the items wait together instead of each probing the instance on its own.
    private var notBefore: Double = 0
    private var listener: Listener?
    /// Ages, gates and waits; the store's clock, so that its epochs and these agree.
    private var clock: any ForwardingClock { store.clock }

    public init(
        store: OutboxStore, settings: Settings = Settings(), target: @escaping @Sendable () -> any InteractionTarget,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.settings = settings
        self.target = target
        self.log = log
    }

    public func setListener(_ listener: Listener) { lock.withLock { self.listener = listener } }

    /// Why delivery is paused (nil when it is not).
    public var paused: String? { lock.withLock { pausedReason } }

    /// Starts (or restarts) a worker for every interaction with queued items: at start-up, and after a pause.
    public func resume() {
        lock.withLock { pausedReason = nil }
        for key in Set(store.list(state: .queued).map(\.key)) { kick(key) }
    }

    /// Accepts an item (in the file when this returns) and starts its delivery. The caller has validated the
    /// payload and checked `dependsOn` (an existing create that has not failed).
    public func submit(
        operation: OutboxItem.Operation, payload: JSONValue, apiVersion: String?, dependsOn: String?, sysId: String?
    )
        throws(OutboxFileError) -> OutboxItem
    {
        var key: String?
        var resolvedSysId = sysId
        if let dependsOn, let create = store.item(dependsOn) {
            key = create.key
            if create.state == .delivered { resolvedSysId = create.sysId }
        } else if let sysId {
            key = store.key(forSysId: sysId)
        }
        let item = try store.add(
            operation: operation, payload: payload, apiVersion: apiVersion, key: key,
            dependsOn: dependsOn, sysId: resolvedSysId)
        kick(item.key)
        return item
    }

    /// Waits until the item is no longer queued, or `seconds` pass, or the task is cancelled; returns it as it then is.
    public func waitForOutcome(_ id: String, seconds: Double) async -> OutboxItem? {
        if seconds <= 0 { return store.item(id) }
        let token: Int = lock.withLock {
            nextWaiter += 1; return nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<OutboxItem?, Never>) in
                let immediate: Bool = lock.withLock {
                    if let item = store.item(id), item.state != .queued { return true }
                    if Task.isCancelled { return true }
                    waiters[id, default: [:]][token] = continuation
                    return false
                }
                if immediate {
                    continuation.resume(returning: store.item(id))
                    return
                }
                let clock = self.clock
                Task.detached { [weak self] in
                    try? await clock.sleep(seconds: min(seconds, 3600))
                    self?.wake(id, token: token)
                }
            }
        } onCancel: {
            self.wake(id, token: token)
        }
    }

    private func wake(_ id: String, token: Int) {
        let continuation = lock.withLock { waiters[id]?.removeValue(forKey: token) }
        continuation?.resume(returning: store.item(id))
    }

    // MARK: - workers

    private func kick(_ key: String) {
        let start: Bool = lock.withLock {
            guard pausedReason == nil, !running.contains(key) else { return false }
            running.insert(key)
            return true
        }
        if start { Task.detached { await self.work(key) } }
    }

    private func work(_ key: String) async {
        while true {
            let next: OutboxItem? = lock.withLock {
                guard pausedReason == nil, let item = store.firstPending(key: key) else {
                    running.remove(key)
                    return nil
                }
                return item
            }
            guard let item = next else { return }
            await deliver(item)
        }
    }

    /// Delivers one item to an outcome (or returns when delivery pauses).
    private func deliver(_ start: OutboxItem) async {
        var item = start
        var retry = 0
        var lastReason = item.outcomeUnknown ? "the server stopped while a send was in flight" : (item.reason ?? "")
        func wait(holdingOthers: Bool = false) async {
            retry += 1
            let delay = Backoff.delay(retry: retry, base: settings.retryBase, cap: settings.retryCap)
            if holdingOthers {
                let until = clock.date.timeIntervalSince1970 + delay
                lock.withLock { notBefore = max(notBefore, until) }
            }
            try? await clock.sleep(seconds: delay)
        }
        while true {
            if paused != nil { return }
            guard let current = store.item(item.id), current.state == .queued else { return }
            item = current

            var sysId = item.sysId
            if item.operation == .update, sysId == nil, let dependsOn = item.dependsOn {
                guard let create = store.item(dependsOn) else {
                    return finish(
                        item,
                        .failed(
                            reason: "the create \(dependsOn) it follows is no longer in the outbox (discarded)",
                            error: ["message": "the create it follows was discarded"]))
                }
                switch create.state {
                case .delivered:
                    sysId = create.sysId
                case .failed:
                    return finish(
                        item,
                        .failed(
                            reason: "the create \(dependsOn) it follows failed: \(create.reason ?? "")",
                            error: ["message": .string("the create it follows failed")]))
                case .queued, .parked:
                    return  // its create comes first in this interaction's order
                }
            }
            let age = clock.date.timeIntervalSince1970 - item.queuedEpoch
            if age > settings.maxAge, !item.outcomeUnknown {
                return finish(
                    item, .parked(reason: "not delivered within --outbox-max-age (\(Int(settings.maxAge)) s); last: \(lastReason)"))
            }
            if item.outcomeUnknown {
                switch await resolve(item, lastReason: lastReason, age: age) {
                case .send: break
                case .done: return
                case .later(let reason):
                    lastReason = reason
                    await wait()
                    continue
                }
            }

            let gate = lock.withLock { notBefore } - clock.date.timeIntervalSince1970
            if gate > 0 {
                try? await clock.sleep(seconds: min(gate, settings.retryCap))
                continue
            }
            // Marked before it goes: a crash from here on is "outcome unknown" on restart.
            do throws(OutboxFileError) {
                try store.record(.sending, id: item.id)
            } catch {
                log("outbox: cannot mark \(item.id) as sending, so it is not sent yet: \(error.description)")
                await wait()
                continue
            }
            let target = self.target()
            let result: JSONObject
            do throws(ForwardingError) {
                let node = try Self.node(item.payload)
                if item.operation == .create {
                    result = try await target.create(payload: node, apiVersion: item.apiVersion, progress: { _ in })
                } else {
                    result = try await target.update(sysId: sysId ?? "", payload: node, apiVersion: item.apiVersion, progress: { _ in })
                }
            } catch {
                switch DeliveryDecision.after(error) {
                case .retryLater(let reason):
                    lastReason = reason
                    _ = try? store.record(.notSent(reason: reason), id: item.id)
                    await wait(holdingOthers: true)
                case .outcomeUnknown(let reason):
                    lastReason = reason
                    log("outbox: \(item.id): \(reason); resolving before anything is sent again")
                case .fail(let reason):
                    return finish(item, .failed(reason: reason, error: Self.errorObject(error)))
                case .pause(let reason):
                    _ = try? store.record(.notSent(reason: reason), id: item.id)
                    return pause(reason)
                }
                continue
            }
            var delivered = result
            delivered["target"] = .string(target.kind.rawValue)
            return finish(item, .delivered(result: delivered, sysId: item.operation == .create ? result["sysId"]?.stringValue : sysId))
        }
    }

    private enum Resolution {
        case send, done
        case later(String)
    }

    /// A send may have acted: decide, without sending, whether sending again is safe.
    private func resolve(_ item: OutboxItem, lastReason: String, age: Double) async -> Resolution {
        let advice = "check the instance, then run 'openframe-rpc outbox FILE retry \(item.id)' (send again) or 'discard \(item.id)'"
        switch item.operation {
        case .update:
            guard item.isIdempotentUpdate else {
                finish(
                    item,
                    .parked(
                        reason: "the instance may have applied the update (\(lastReason)), and it adds phone logs or related records, "
                            + "so applying it again could add them twice; \(advice)"))
                return .done
            }
            await settle(item)
            _ = try? store.record(
                .notSent(reason: "the outcome was unknown (\(lastReason)); the update only sets values, so it is sent again"), id: item.id)
            return .send
        case .create:
            guard let sessionId = item.clientSessionId else {
                finish(
                    item,
                    .parked(
                        reason: "the instance may have created the record (\(lastReason)), and without interaction.clientSessionId "
                            + "it cannot be looked up, so it is not sent again blind; \(advice)"))
                return .done
            }
            await settle(item)
            do throws(ForwardingError) {
                switch try await target().findInteraction(clientSessionId: sessionId) {
                case .found(let sysId, let number):
                    var result: JSONObject = ["status": "SUCCESS", "sysId": .string(sysId)]
                    if let number { result["number"] = .string(number) }
                    result["foundBy"] = "lookup"
                    result["target"] = .string(target().kind.rawValue)
                    finish(item, .delivered(result: result, sysId: sysId))
                    return .done
                case .notFound:
                    _ = try? store.record(
                        .notSent(
                            reason:
                                "the outcome was unknown (\(lastReason)); the lookup by clientSessionId found no record, so it is sent again"
                        ), id: item.id)
                    return .send
                case .inconclusive(let reason):
                    finish(
                        item, .parked(reason: "the outcome was unknown (\(lastReason)) and the lookup could not tell: \(reason); \(advice)")
                    )
                    return .done
                }
            } catch {
                switch error {
                case .instance(403, let message, _):
                    finish(
                        item,
                        .parked(
                            reason: "the outcome was unknown (\(lastReason)) and the lookup was refused (HTTP 403 \(message)): "
                                + "the integration user needs read access to the interaction table (sys_id, number, client_session_id); \(advice)"
                        ))
                    return .done
                case .instance(401, _, _):
                    pause(
                        "the instance refused the credentials for the interaction lookup (HTTP 401); delivery is paused until they are fixed"
                    )
                    return .done
                default:
                    let reason = "the outcome was unknown (\(lastReason)); the lookup failed: \(error.shortText)"
                    if age > settings.maxAge {
                        finish(item, .parked(reason: reason + "; not resolved within --outbox-max-age; \(advice)"))
                        return .done
                    }
                    return .later(reason)
                }
            }
        }
    }

    /// Waits until `settle` seconds have passed since the send with the unknown outcome started.
    private func settle(_ item: OutboxItem) async {
        let remaining = (item.sentEpoch ?? 0) + settings.settle - clock.date.timeIntervalSince1970
        if remaining > 0 { try? await clock.sleep(seconds: min(remaining, settings.settle)) }
    }

    private func finish(_ item: OutboxItem, _ change: OutboxStore.Change) {
        let updated: OutboxItem?
        do throws(OutboxFileError) {
            updated = try store.record(change, id: item.id)
        } catch {
            // The outcome could not be written: keep the item as it is in the file; the next attempt resolves it again.
            log("outbox: cannot record the outcome of \(item.id): \(error.description)")
            return
        }
        guard let updated else { return }
        let (continuations, listener): ([CheckedContinuation<OutboxItem?, Never>], Listener?) = lock.withLock {
            (Array((waiters.removeValue(forKey: item.id) ?? [:]).values), self.listener)
        }
        for continuation in continuations { continuation.resume(returning: updated) }
        switch updated.state {
        case .delivered: listener?.delivered(updated)
        case .failed, .parked: listener?.failed(updated)
        case .queued: break
        }
        if updated.state == .failed, updated.operation == .create {
            // Updates that follow it can never go: fail them too, in order.
            for dependent in store.list(state: .queued) where dependent.dependsOn == item.id {
                finish(
                    dependent,
                    .failed(
                        reason: "the create \(item.id) it follows failed: \(updated.reason ?? "")",
                        error: ["message": "the create it follows failed"]))
            }
        }
    }

    private func pause(_ reason: String) {
        let (first, listener): (Bool, Listener?) = lock.withLock {
            let first = pausedReason == nil
            pausedReason = pausedReason ?? reason
            return (first, self.listener)
        }
        if first {
            log("outbox: \(reason)")
            listener?.paused(reason)
        }
    }

    static func node(_ payload: JSONValue) throws(ForwardingError) -> JSONNode {
        do {
            return try JSONParser.parse(JSONWriter.serialize(payload)).root
        } catch {
            throw .configuration("the stored payload cannot be read back: \(error.reason)")
        }
    }

    /// The error as the outbox keeps it: the HTTP status and the instance's message, or a message.
    static func errorObject(_ error: ForwardingError) -> JSONObject {
        switch error {
        case .instance(let status, let message, let detail):
            return ["httpStatus": .int(status), "message": .string(message), "detail": detail.map { .string($0) } ?? .null]
        default:
            return ["message": .string(error.shortText)]
        }
    }
}

extension ForwardingError {
    var shortText: String {
        switch self {
        case .instance(let status, let message, let detail): "HTTP \(status) \(message)" + (detail.map { " (\($0))" } ?? "")
        case .unreachable(let reason, _): reason
        case .cancelled: "cancelled"
        case .configuration(let message): message
        }
    }
}
