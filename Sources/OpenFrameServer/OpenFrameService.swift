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

    public var methods: [String] { [ValidateMethod.name, ForwardMethods.create, ForwardMethods.update, OutboxMethod.name] }

    /// Resumes the queued items of an outbox opened at start. Called by the first request that involves the
    /// outbox, or at once by a server whose output framing is fixed (`--framing lsp|ndjson`).
    public func startOutbox() { outbox.startOnce() }

    /// The outbox file in use, if any (for the start-up banner).
    public var outboxPath: String? { outbox.delivery?.store.path }

    public func install(on server: Server) {
        let box = self.box
        let outbox = self.outbox
        server.registerRaw(ValidateMethod.name, ValidateMethod.handleRaw)
        for operation in Operation.allCases {
            server.register(ForwardMethods.name(of: operation), async: { context in
                outbox.startOnce()
                if DurableForward.applies(context) {
                    return try await DurableForward.handle(context, operation, outbox: outbox.delivery)
                }
                return try await ForwardMethods.handle(context, operation, target: box.target)
            })
        }
        server.register(OutboxMethod.name) { context in
            outbox.startOnce()
            return try OutboxMethod.handle(context, box: outbox)
        }
        outbox.delivery?.setListener(OutboxNotifications.listener(server))
        let methods = self.methods
        let settings = self.settings
        let log = self.log
        // Weak: the server holds this handler.
        server.initializeHandler = { [weak server] params in
            if let options = params?["initializationOptions"], !options.isNull {
                guard options.kind == .object else {
                    throw ResponseError.invalidParams("initialize: initializationOptions must be an object; found \(options.kind)")
                }
                if options["instance"] != nil || options["auth"] != nil {
                    do throws(ForwardingError) {
                        box.target = try settings.makeTarget(options: options, log: log)
                    } catch {
                        throw ResponseError.invalidParams("initialize: \(ForwardingErrorMapping.responseError(error).message)")
                    }
                    log.info("target from initializationOptions: \(box.target.kind.rawValue) \(box.target.displayName)")
                }
                if let node = options["outbox"], !node.isNull {
                    guard let path = node.stringValue, !path.isEmpty else {
                        throw ResponseError.invalidParams("initialize: initializationOptions.outbox must be a file path (a non-empty string); found \(node.kind)")
                    }
                    if let open = outbox.delivery {
                        guard open.store.path == path else {
                            throw ResponseError.invalidParams("initialize: initializationOptions.outbox \(path) differs from the outbox already in use (\(open.store.path))")
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
            outbox.startOnce()
            let target = box.target
            var openframe: JSONObject = [
                "methods": .array(methods.map { .string($0) }),
                "target": .string(target.kind.rawValue),
                "targetName": .string(target.displayName),
            ]
            if let delivery = outbox.delivery { openframe["outbox"] = .string(delivery.store.path) }
            return [
                "capabilities": [
                    "experimental": ["openframe": .object(openframe)],
                ],
                "serverInfo": ["name": .string(OpenFrameRPC.name), "version": .string(OpenFrameRPC.version)],
            ]
        }
        // The language server for payload documents (textDocument/*, openframe/schema); it merges its
        // capabilities, with the negotiated positionEncoding, into the initialize result above.
        EditorSupport.install(on: server)
    }
}
