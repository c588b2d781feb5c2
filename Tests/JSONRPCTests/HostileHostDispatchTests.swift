import Foundation
import JSON
import Testing

@testable import JSONRPC

/// Issue 14 in the dispatcher: cancellation order and data, batches with `exit`, batch bounds,
/// a failed initialize.
struct HostileHostDispatchTests {
    func send(_ server: Server, _ text: String) { server.receive(frame: Array(text.utf8)) }

    @Test func aCancelSendsTheProgressEndThenTheAnswerWithTheHandlersData() async {
        let output = CollectingOutput()
        let server = Server(output: output)
        server.register(
            "slow", cancelData: ["sent": false],
            async: { context in
                let progress = WorkDoneProgress(token: "t", context: context)
                progress.begin(title: "slow")
                context.cancellation.setData(["sent": true])
                try await Task.sleep(nanoseconds: 60_000_000_000)
                return .null
            })
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        await output.wait(for: 1)
        send(server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#)
        let values = await output.wait(for: 3)
        #expect(values.count == 3)
        #expect(values[1]["params"]?["value"] == ["kind": "end", "message": "cancelled"])
        #expect(values[2]["error"]?["code"] == -32800)
        #expect(values[2]["error"]?["data"] == ["sent": true])
    }

    @Test func anExitInABatchAnswersEveryMemberBeforeEnding() async {
        let output = CollectingOutput()
        let server = Server(output: output)
        let exited = NSCondition()
        nonisolated(unsafe) var code: Int32?
        server.setExitHandler { status in exited.withLock { code = status } }
        server.register("echo", { _ in "ok" })
        await offPool {
            self.send(
                server,
                #"[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","method":"exit"},{"jsonrpc":"2.0","id":2,"method":"echo"},{"jsonrpc":"2.0","id":3}]"#
            )
        }
        let values = await output.wait(for: 1)
        let answers = values.first?.arrayValue ?? []
        #expect(answers.count == 3)
        #expect(answers.first { $0["id"] == 1 }?["result"] == "ok")
        #expect(answers.first { $0["id"] == 2 }?["error"]?["code"] == -32800)
        #expect(answers.first { $0["id"] == 3 }?["error"]?["code"] == -32600)
        #expect(exited.withLock { code } == 1)
    }

    @Test func batchesAreBounded() async {
        let output = CollectingOutput()
        var configuration = Server.Configuration()
        configuration.maxBatchLength = 3
        configuration.maxBatchAnswerBytes = 300
        configuration.batchSmallAnswerBytes = 60
        let server = Server(output: output, configuration: configuration)
        server.register("big", { _ in .string(String(repeating: "x", count: 200)) })
        server.register("small", { _ in "ok" })
        send(
            server,
            #"[{"jsonrpc":"2.0","id":1,"method":"small"},{"jsonrpc":"2.0","id":2,"method":"small"},{"jsonrpc":"2.0","id":3,"method":"small"},{"jsonrpc":"2.0","id":4,"method":"small"}]"#
        )
        send(
            server,
            #"[{"jsonrpc":"2.0","id":5,"method":"big"},{"jsonrpc":"2.0","id":6,"method":"big"},{"jsonrpc":"2.0","id":7,"method":"small"}]"#)
        let values = await output.wait(for: 2)
        #expect(values[0]["id"] == .null && values[0]["error"]?["code"] == -32600)
        let answers = values[1].arrayValue ?? []
        #expect(answers.first { $0["id"] == 5 }?["result"]?.stringValue?.count == 200)
        #expect(answers.first { $0["id"] == 6 }?["error"]?["code"] == -32600)
        #expect(answers.first { $0["id"] == 7 }?["result"] == "ok")
    }

    @Test func aFailedInitializeMayBeSentAgain() async {
        let output = CollectingOutput()
        let server = Server(output: output)
        nonisolated(unsafe) var fail = true
        server.initializeHandler = { _ in
            if fail { fail = false; throw ResponseError.invalidParams("bad options") }
            return [:]
        }
        for id in 1...3 { send(server, #"{"jsonrpc":"2.0","id":\#(id),"method":"initialize","params":{}}"#) }
        let values = await output.wait(for: 3)
        #expect(values.map { $0["error"]?["code"] } == [-32602, nil, -32600])
    }
}
