import JSON
import JSONRPC
import OpenFrame
import OpenFrameForwarding

/// Binds the openframe methods onto a JSON-RPC server. Every method calls the one validation core;
/// create and update forward through one target (the instance client or the embedded sandbox).
public final class OpenFrameService: Sendable {
    let settings: TargetSettings
    let box: TargetBox
    let log: Log

    /// Fails when the start-up target cannot be built (a bad --instance, credentials, an unusable sandbox file).
    public init(settings: TargetSettings = TargetSettings(environment: [:]), log: Log = .shared) throws(ForwardingError) {
        self.settings = settings
        self.log = log
        box = TargetBox(try settings.makeTarget(options: nil, log: log))
    }

    /// For tests: a service over a given target.
    public init(target: any InteractionTarget, log: Log = .shared) {
        settings = TargetSettings(environment: [:])
        self.log = log
        box = TargetBox(target)
    }

    public var target: any InteractionTarget { box.target }

    public var methods: [String] { [ValidateMethod.name, ForwardMethods.create, ForwardMethods.update] }

    public func install(on server: Server) {
        let box = self.box
        server.registerRaw(ValidateMethod.name, ValidateMethod.handleRaw)
        for operation in Operation.allCases {
            server.register(ForwardMethods.name(of: operation), cancelData: ForwardMethods.notSent, async: { context in
                try await ForwardMethods.handle(context, operation, target: box)
            })
        }
        let methods = self.methods
        let settings = self.settings
        let log = self.log
        server.initializeHandler = { params in
            if let options = params?["initializationOptions"], !options.isNull {
                guard options.kind == .object else {
                    throw ResponseError.invalidParams("initialize: initializationOptions must be an object; found \(options.kind)")
                }
                if options["instance"] != nil || options["auth"] != nil {
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
            }
            let target = box.target
            return [
                "capabilities": [
                    "experimental": [
                        "openframe": [
                            "methods": .array(methods.map { .string($0) }),
                            "target": .string(target.kind.rawValue),
                            "targetName": .string(target.displayName),
                        ],
                    ],
                ],
                "serverInfo": ["name": .string(OpenFrameRPC.name), "version": .string(OpenFrameRPC.version)],
            ]
        }
        // The language server for payload documents (textDocument/*, openframe/schema); it merges its
        // capabilities, with the negotiated positionEncoding, into the initialize result above.
        EditorSupport.install(on: server)
    }
}
