import JSON
import JSONRPC
import OpenFrame

/// Binds the openframe methods onto a JSON-RPC server. Every method calls the one validation core.
public final class OpenFrameService: Sendable {
    public init() {}

    public var methods: [String] { [ValidateMethod.name] }

    public func install(on server: Server) {
        server.register(ValidateMethod.name, ValidateMethod.handle)
        let methods = self.methods
        server.initializeHandler = { _ in
            [
                "capabilities": [
                    "experimental": ["openframe": ["methods": .array(methods.map { .string($0) })]],
                ],
                "serverInfo": ["name": .string(OpenFrameRPC.name), "version": .string(OpenFrameRPC.version)],
            ]
        }
    }
}
