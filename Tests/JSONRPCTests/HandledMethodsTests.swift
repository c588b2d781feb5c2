import JSON
import Testing

@testable import JSONRPC

/// `handledMethods` is what protocol.md's method index is checked against, so it must tell the truth:
/// the server's own requests are answered without registration, registered ones are listed, others are not.
struct HandledMethodsTests {
    @Test func ownAndRegisteredMethodsAreListedAndAnswered() {
        let output = CollectingOutput()
        let server = Server(output: output)
        server.register("test/echo") { _ in .null }
        server.onNotification("test/note") { _ in }
        let handled = server.handledMethods
        #expect(handled.requests == Server.ownRequests.union(["test/echo"]))
        #expect(handled.notifications == Server.ownNotifications.union(["test/note"]))
        server.receive(frame: JSONWriter.serialize(["jsonrpc": "2.0", "id": 9, "method": "test/unknown"]))
        for (id, method) in (["initialize", "test/echo", "shutdown"] as [String]).enumerated() {
            server.receive(frame: JSONWriter.serialize(["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]))
        }
        server.endOfInput()
        let answers = output.values
        for id in 0..<3 {
            let answer = answers.first { $0["id"] == .int(id) }
            #expect(answer?["result"] != nil, "\(String(describing: answer))")
        }
        #expect(answers.first { $0["id"] == 9 }?["error"]?["code"] == -32601)
        #expect(!handled.requests.contains("test/unknown"))
    }
}
