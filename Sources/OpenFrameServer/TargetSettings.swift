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

/// How to reach the instance, from the command line and the environment; `initialize`'s
/// `initializationOptions` may override the instance and the credentials. Credentials never come
/// from the command line (it shows in `ps`).
public struct TargetSettings: Sendable {
    public var instance: String?
    public var allowInsecureHTTP = false
    public var wireFormat: WireFormat = .json
    public var requestTimeout: Double = InstanceConfiguration.defaultRequestTimeout
    public var maxConcurrentForwards: Int = InstanceConfiguration.defaultMaxConcurrentForwards
    public var maxAttempts: Int = InstanceConfiguration.defaultMaxAttempts
    /// `--ca-file`: a PEM bundle trusted instead of the system store (wins over `OPENFRAME_CA_FILE`).
    public var caFile: String?
    /// The sandbox's JSON Lines file; nil keeps it in memory.
    public var sandboxFile: String?
    /// The durable-delivery outbox's JSON Lines file; nil: no outbox ("delivery": "durable" is refused).
    public var outboxFile: String?
    /// Seconds an outbox item may wait for a send that certainly did not act before it is parked.
    public var outboxMaxAge: Double = 24 * 3600
    /// Longest wait between two delivery attempts of one outbox item.
    public var outboxRetryCap: Double = 30
    public var environment: [String: String]

    public static let instanceVariable = "OPENFRAME_INSTANCE"

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// `--instance` wins over `OPENFRAME_INSTANCE`.
    var effectiveInstance: String? {
        if let instance, !instance.isEmpty { return instance }
        if let value = environment[Self.instanceVariable], !value.isEmpty { return value }
        return nil
    }

    /// The target to use: the instance when one is named (here or in `options`), else the sandbox.
    /// `options` is `initializationOptions` ({"instance": …, "auth": {…}, "tls": {…}}) or nil at start-up.
    func makeTarget(options: JSONNode?, log: Log) throws(ForwardingError) -> any InteractionTarget {
        var instance = effectiveInstance
        if let node = options?["instance"], !node.isNull {
            guard let name = node.stringValue, !name.isEmpty else {
                throw .configuration(
                    "initializationOptions.instance must be a non-empty string (an instance name or URL); found \(node.kind)")
            }
            instance = name
        }
        guard let instance else { return try makeSandbox(log: log) }
        let authentication = try Authentication.resolve(json: options?["auth"]?.value, environment: environment)
        let tls = try TLSSettings.resolve(caFile: caFile, json: options?["tls"]?.value, environment: environment)
        let configuration = try InstanceConfiguration(
            instance: instance, version: OpenFrameRPC.version, authentication: authentication, wireFormat: wireFormat,
            requestTimeout: requestTimeout, maxConcurrentForwards: maxConcurrentForwards, maxAttempts: maxAttempts,
            allowInsecureHTTP: allowInsecureHTTP, tls: tls)
        return InstanceClient(configuration: configuration, log: log.sink(.debug))
    }

    private func makeSandbox(log: Log) throws(ForwardingError) -> any InteractionTarget {
        guard let sandboxFile else { return Sandbox() }
        do {
            let sandbox = try Sandbox(file: URL(fileURLWithPath: sandboxFile))
            for warning in sandbox.warnings { log.warning(warning) }
            return sandbox
        } catch {
            throw .configuration(error.description)
        }
    }
}

/// The target in use; `initialize` may replace the start-up one. After an `initialize` whose
/// target could not be built there is none (`failure`) until a later `initialize` succeeds.
final class TargetBox: @unchecked Sendable {
    private let lock = PThreadMutex()
    private var _target: any InteractionTarget
    private var failure: String?

    init(_ target: any InteractionTarget) { _target = target }

    var target: any InteractionTarget {
        get { lock.withLock { _target } }
        set {
            lock.withLock {
                _target = newValue; failure = nil
            }
        }
    }

    func fail(_ message: String) {
        lock.withLock { failure = message }
    }

    /// The target to forward to, or InstanceUnreachable (nothing was sent) while the last `initialize` failed.
    func resolve(method: String) throws(ResponseError) -> any InteractionTarget {
        lock.lock()
        let target: any InteractionTarget = _target
        let failed: String? = failure
        lock.unlock()
        guard let failed else { return target }
        let data: JSONObject = [
            "reason": .string("no target: the initialize that named one failed"), "sent": .bool(false), "mayHaveActed": .bool(false),
        ]
        throw ResponseError(
            code: .instanceUnreachable,
            message: "\(method): not sent: there is no target, because the initialize that named one failed (\(failed)); "
                + "send initialize again with corrected initializationOptions",
            data: .object(data))
    }
}
