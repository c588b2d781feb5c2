import JSON
import JSONRPC
import OpenFrame
import OpenFrameForwarding

/// Binds the openframe methods onto a JSON-RPC server. Every method calls the one validation core;
/// create and update forward through one target (the instance client or the embedded sandbox).
public final class OpenFrameService: Sendable {
    let settings: TargetSettings
    let box: TargetBox
    let outbox = OutboxBox()
    let log: Log

    /// Fails when the start-up target cannot be built (a bad --instance, credentials, an unusable sandbox file).
    public init(settings: TargetSettings = TargetSettings(environment: [:]), log: Log = .shared) throws(ForwardingError) {
        self.settings = settings
        self.log = log
        box = TargetBox(try settings.makeTarget(options: nil, log: log))
        if let path = settings.outboxFile {
            outbox.delivery = try settings.makeOutbox(path: path, box: box, log: log)
        }
    }

    /// For tests: a service over a given target.
    public init(target: any InteractionTarget, log: Log = .shared) {
        settings = TargetSettings(environment: [:])
        self.log = log
        box = TargetBox(target)
    }

    public var target: any InteractionTarget { box.target }

    /// Resumes the queued items of an outbox opened at start. Called by the first request that involves the
    /// outbox, or at once by a server whose output framing is fixed (`--framing lsp|ndjson`).
    public func startOutbox() { outbox.startOnce() }

    /// The outbox file in use, if any (for the start-up banner).
    public var outboxPath: String? { outbox.delivery?.store.path }

    /// Installs the openframe methods and the language server on `server`, which then answers
    /// `initialize` from what was registered (see `Registrar`).
    public func install(on server: Server) {
        install(on: Registrar(server: server))
    }

    public func install(on registrar: Registrar) {
        let box = self.box
        let outbox = self.outbox
        registrar.requestRaw(ValidateMethod.name, ValidateMethod.handleRaw)
        for operation in Operation.allCases {
            registrar.request(
                ForwardMethods.name(of: operation), cancelData: ForwardMethods.notSent,
                async: { context in
                    outbox.startOnce()
                    if DurableForward.applies(context) {
                        return try await DurableForward.handle(context, operation, outbox: outbox.delivery)
                    }
                    return try await ForwardMethods.handle(context, operation, target: box)
                })
        }
        registrar.request(OutboxMethod.name) { context in
            outbox.startOnce()
            return try OutboxMethod.handle(context, box: outbox)
        }
        outbox.delivery?.setListener(OutboxNotifications.listener(registrar.server))
        let settings = self.settings
        let log = self.log
        // Weak: the server holds its initialize handler, which holds this step.
        registrar.onInitialize { [weak server = registrar.server] params in
            defer { outbox.startOnce() }
            guard let options = params?["initializationOptions"], !options.isNull else { return }
            guard options.kind == .object else {
                throw ResponseError.invalidParams("initialize: initializationOptions must be an object; found \(options.kind)")
            }
            if options["instance"] != nil || options["auth"] != nil || options["tls"] != nil {
                do throws(ForwardingError) {
                    box.target = try settings.makeTarget(options: options, log: log)
                } catch {
                    // The host asked for a target it cannot have: until an `initialize` succeeds
                    // (it may be sent again), creates and updates fail rather than go elsewhere.
                    let message = "initialize: \(ForwardingErrorMapping.responseError(error).message)"
                    box.fail(message)
                    throw ResponseError.invalidParams(message)
                }
                log.info("target from initializationOptions: \(box.target.kind.rawValue) \(box.target.displayName)")
            }
            if let node = options["outbox"], !node.isNull {
                guard let path = node.stringValue, !path.isEmpty else {
                    throw ResponseError.invalidParams(
                        "initialize: initializationOptions.outbox must be a file path (a non-empty string); found \(node.kind)")
                }
                if let open = outbox.delivery {
                    guard open.store.path == path else {
                        throw ResponseError.invalidParams(
                            "initialize: initializationOptions.outbox \(path) differs from the outbox already in use (\(open.store.path))")
                    }
                } else {
                    do throws(ForwardingError) {
                        let delivery = try settings.makeOutbox(path: path, box: box, log: log)
                        if let server { delivery.setListener(OutboxNotifications.listener(server)) }
                        outbox.delivery = delivery
                    } catch {
                        throw ResponseError.invalidParams("initialize: \(ForwardingErrorMapping.responseError(error).message)")
                    }
                }
            }
            // New credentials or a new instance: an outbox paused on a 401 tries again.
            outbox.delivery?.resume()
        }
        // Where creates and updates go, as settled by initializationOptions above.
        registrar.announce(.settled("experimental", "openframe", "target") { .string(box.target.kind.rawValue) })
        registrar.announce(.settled("experimental", "openframe", "targetName") { .string(box.target.displayName) })
        // The outbox file durable delivery writes to, or null without one (see protocol.md, Durable delivery).
        registrar.announce(.settled("experimental", "openframe", "outbox") { outbox.delivery.map { .string($0.store.path) } ?? .null })
        // The language server for payload documents (textDocument/*, openframe/schema).
        EditorSupport.install(on: registrar)
    }
}
