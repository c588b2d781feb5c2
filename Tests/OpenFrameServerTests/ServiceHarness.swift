import Foundation
import JSON
import JSONRPC
import OpenFrameForwarding

@testable import OpenFrameServer

/// A JSON-RPC server with the openframe methods installed, driven in process.
final class ServiceHarness: MessageOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [JSONValue] = []
    private(set) var server: Server!

    init(service: OpenFrameService = OpenFrameService(target: Sandbox())) {
        server = Server(output: self)
        service.install(on: server)
    }

    func send(_ body: [UInt8]) {
        let value = try! JSONParser.parse(body).root.value
        lock.withLock { sent.append(value) }
    }

    var messages: [JSONValue] { lock.withLock { sent } }

    func request(_ id: Int, _ method: String, _ params: JSONValue) {
        let message: JSONValue = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]
        server.receive(frame: JSONWriter.serialize(message))
    }

    /// The response to `id`, polling without blocking the cooperative pool.
    /// The timeout is generous on purpose: Swift Testing runs suites in parallel on the cooperative pool
    /// (two threads on a 2-core machine), and end-to-end suites that block a pool thread on a child
    /// process's pipe can keep the create's task from running for many seconds. Only a hang waits this long.
    func response(_ id: Int, timeout: TimeInterval = 60) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let found = messages.first(where: { $0["id"]?.intValue == id && $0["method"] == nil }) { return found }
            try? await Task.sleep(nanoseconds: 1_000_000)
        } while Date() < deadline
        return nil
    }
}
