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

    /// Installs the openframe methods and the language server on `server`, which then answers
    /// `initialize` from what was registered (see `Registrar`).
    public func install(on server: Server) {
        install(on: Registrar(server: server))
    }

    public func install(on registrar: Registrar) {
        let box = self.box
        registrar.requestRaw(ValidateMethod.name, ValidateMethod.handleRaw)
        for operation in Operation.allCases {
            registrar.request(ForwardMethods.name(of: operation), cancelData: ForwardMethods.notSent, async: { context in
                try await ForwardMethods.handle(context, operation, target: box)
            })
        }
        let settings = self.settings
        let log = self.log
        registrar.onInitialize { params in
            guard let options = params?["initializationOptions"], !options.isNull else { return }
            guard options.kind == .object else {
                throw ResponseError.invalidParams("initialize: initializationOptions must be an object; found \(options.kind)")
            }
            guard options["instance"] != nil || options["auth"] != nil || options["tls"] != nil else { return }
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
        // Where creates and updates go, as settled by initializationOptions above.
        registrar.announce(.settled("experimental", "openframe", "target") { .string(box.target.kind.rawValue) })
        registrar.announce(.settled("experimental", "openframe", "targetName") { .string(box.target.displayName) })
        // The language server for payload documents (textDocument/*, openframe/schema).
        EditorSupport.install(on: registrar)
    }
}
