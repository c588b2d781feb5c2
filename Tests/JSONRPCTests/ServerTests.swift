import Foundation
import JSON
import Testing

@testable import JSONRPC

/// Collects what the server writes, for in-process tests of the dispatcher.
final class CollectingOutput: MessageOutput, @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [[UInt8]] = []

    func send(_ body: [UInt8]) {
        condition.withLock {
            messages.append(body)
            condition.broadcast()
        }
    }

    var texts: [String] { condition.withLock { messages.map { String(decoding: $0, as: UTF8.self) } } }
    var values: [JSONValue] { condition.withLock { messages.map { try! JSONParser.parse($0).root.value } } }

    var count: Int { condition.withLock { messages.count } }

    /// Waits (up to 30 s) until `count` messages have been sent, without blocking the cooperative pool
    /// the handlers under test run on.
    @discardableResult
    func wait(for count: Int) async -> [JSONValue] {
        let deadline = Date().addingTimeInterval(30)
        while self.count < count, Date() < deadline { try? await Task.sleep(nanoseconds: 2_000_000) }
        return values
    }
}

/// Runs blocking work on a Dispatch thread, as the real reader thread would, not on the cooperative pool.
func offPool(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
            body()
            continuation.resume()
        }
    }
}

struct ServerTests {
    func makeServer() -> (Server, CollectingOutput) {
        let output = CollectingOutput()
        let server = Server(output: output)
        server.register("echo") { context in context.params?.value ?? .null }
        server.register("fail") { _ in throw ResponseError.invalidParams("bad thing", data: ["where": "here"]) }
        server.register("crash") { _ in throw CocoaError(.fileNoSuchFile) }
        server.register(
            "sleep",
            async: { context in
                let ms = context.params?["ms"]?.intValue ?? 0
                try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000)
                return .string("slept \(ms)")
            })
        return (server, output)
    }

    func send(_ server: Server, _ text: String) { server.receive(frame: Array(text.utf8)) }

    @Test(arguments: [#""1""#, "1", "1.0", "-7e2", "null", #""é""#])
    func idsAreEchoedExactly(_ id: String) {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","id":\#(id),"method":"echo","params":[1]}"#)
        #expect(output.texts == [#"{"jsonrpc":"2.0","id":\#(id),"result":[1]}"#])
    }

    @Test func notificationsAreNeverAnswered() {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","method":"echo","params":[1]}"#)
        send(server, #"{"jsonrpc":"2.0","method":"no/such"}"#)
        send(server, #"{"jsonrpc":"2.0","id":2,"method":"echo"}"#)
        #expect(output.texts == [#"{"jsonrpc":"2.0","id":2,"result":null}"#])
    }

    @Test func parseErrorHasNullIdAndSaysWhere() throws {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"echo",}"#)
        let error = try #require(output.values.first?["error"])
        #expect(output.values.first?["id"] == .null)
        #expect(error["code"] == -32700)
        #expect(error["message"]?.stringValue?.contains("trailing comma") == true)
        #expect(error["message"]?.stringValue?.contains("at byte 40 of the message") == true)
    }

    @Test(arguments: [
        (#"{"id":1,"method":"echo"}"#, "1", "\"jsonrpc\" must be \"2.0\""),
        (#"{"jsonrpc":"1.0","id":"a","method":"echo"}"#, "\"a\"", "\"jsonrpc\" must be \"2.0\""),
        (#"{"jsonrpc":"2.0","id":1,"method":5}"#, "1", "\"method\" must be a string"),
        (#"{"jsonrpc":"2.0","id":1}"#, "1", "missing \"method\""),
        (#"{"jsonrpc":"2.0","id":{},"method":"echo"}"#, "null", "\"id\" must be a string, a number or null"),
        (#"{"jsonrpc":"2.0","id":true,"method":"echo"}"#, "null", "\"id\" must be"),
        (#"{"jsonrpc":"2.0","id":3,"method":"echo","params":"x"}"#, "3", "\"params\" must be an object or an array"),
        ("42", "null", "expected a request object or a batch array"),
        ("[]", "null", "empty batch"),
    ])
    func invalidRequests(_ text: String, _ id: String, _ phrase: String) throws {
        let (server, output) = makeServer()
        send(server, text)
        #expect(output.texts.count == 1)
        let answer = try #require(output.values.first)
        #expect(answer["id"]?.jsonString == id)
        #expect(answer["error"]?["code"] == -32600)
        #expect(answer["error"]?["message"]?.stringValue?.contains(phrase) == true, "\(answer)")
    }

    @Test func batchesFollowTheSpecification() throws {
        let (server, output) = makeServer()
        send(server, #"[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"echo"}]"#)
        #expect(output.texts.isEmpty)
        send(
            server,
            #"[1,{"jsonrpc":"2.0","id":"a","method":"echo","params":{"x":1}},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":"b","method":"nope"}]"#
        )
        #expect(output.texts.count == 1)
        let batch = try #require(output.values.first?.arrayValue)
        #expect(batch.count == 3)
        #expect(batch[0]["id"] == .null && batch[0]["error"]?["code"] == -32600)
        #expect(batch[1]["id"] == "a" && batch[1]["result"] == ["x": 1])
        #expect(batch[2]["id"] == "b" && batch[2]["error"]?["code"] == -32601)
    }

    @Test func batchWaitsForItsSlowMembers() async throws {
        let (server, output) = makeServer()
        send(server, #"[{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":50}},{"jsonrpc":"2.0","id":2,"method":"echo"}]"#)
        let values = await output.wait(for: 1)
        let batch = try #require(values.first?.arrayValue)
        #expect(Set(batch.compactMap { $0["id"]?.intValue }) == [1, 2])
    }

    @Test func handlerErrorsBecomeErrorResponses() throws {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"fail"}"#)
        send(server, #"{"jsonrpc":"2.0","id":2,"method":"crash"}"#)
        send(server, #"{"jsonrpc":"2.0","id":3,"method":"missing/method"}"#)
        let values = output.values
        #expect(values[0]["error"] == ["code": -32602, "message": "bad thing", "data": ["where": "here"]])
        #expect(values[1]["error"]?["code"] == -32603)
        #expect(values[2]["error"]?["message"] == "method not found: 'missing/method'")
    }

    @Test func slowRequestsDoNotHoldUpLaterOnes() async throws {
        let (server, output) = makeServer()
        let gate = LockedBox(false)
        server.register(
            "gated",
            async: { _ in
                while !gate.value { try await Task.sleep(nanoseconds: 1_000_000) }
                return "opened"
            })
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"gated"}"#)
        send(server, #"{"jsonrpc":"2.0","id":2,"method":"sleep","params":{"ms":1}}"#)
        send(server, #"{"jsonrpc":"2.0","id":3,"method":"echo"}"#)
        let early = await output.wait(for: 2)
        #expect(Set(early.compactMap { $0["id"]?.intValue }) == [2, 3], "answered while request 1 is still running")
        gate.value = true
        let all = await output.wait(for: 3)
        #expect(all.count == 3)
        #expect(all.last?["id"] == 1 && all.last?["result"] == "opened")
    }

    @Test func cancelAnswersOnceWithRequestCancelled() async throws {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","id":"slow","method":"sleep","params":{"ms":2000}}"#)
        send(server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"slow"}}"#)
        send(server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"slow"}}"#)
        await offPool { server.endOfInput() }
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(output.texts.count == 1)
        #expect(output.values[0]["id"] == "slow")
        #expect(output.values[0]["error"]?["code"] == -32800)
        #expect(server.inFlightCount == 0)
    }

    @Test func cancelOfAnUnknownIdIsIgnored() {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":99}}"#)
        send(server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{}}"#)
        #expect(output.texts.isEmpty)
    }

    @Test func endOfInputWaitsForEveryAnswer() async throws {
        let (server, output) = makeServer()
        for i in 0..<20 { send(server, #"{"jsonrpc":"2.0","id":\#(i),"method":"sleep","params":{"ms":\#(i * 5)}}"#) }
        await offPool { server.endOfInput() }
        #expect(output.texts.count == 20)
        #expect(Set(output.values.compactMap { $0["id"]?.intValue }) == Set(0..<20))
    }

    @Test func lifecycle() async throws {
        let (server, output) = makeServer()
        let exitCode = LockedBox<Int32?>(nil)
        server.initializeHandler = { params in ["capabilities": [:], "echo": params?["processId"]?.value ?? .null] }
        server.setExitHandler { code in exitCode.value = code }
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":77}}"#)
        send(server, #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
        send(server, #"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}"#)
        send(server, #"{"jsonrpc":"2.0","id":3,"method":"sleep","params":{"ms":100}}"#)
        send(server, #"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#)
        send(server, #"{"jsonrpc":"2.0","id":5,"method":"echo"}"#)
        let values = await output.wait(for: 5)
        try #require(values.count == 5)
        #expect(values[0]["result"] == ["capabilities": [:], "echo": 77])
        #expect(values[1]["error"]?["code"] == -32600)
        #expect(values[2]["id"] == 5 && values[2]["error"]?["code"] == -32600)
        // shutdown answers only after the request read before it.
        #expect(values[3]["id"] == 3)
        #expect(values[4]["id"] == 4 && values[4]["result"] == .null)
        send(server, #"{"jsonrpc":"2.0","method":"exit"}"#)
        #expect(exitCode.value == 0)
    }

    @Test func exitWithoutShutdownAnswersWhatIsInFlight() {
        let (server, output) = makeServer()
        let exitCode = LockedBox<Int32?>(nil)
        server.setExitHandler { code in exitCode.value = code }
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":5000}}"#)
        send(server, #"{"jsonrpc":"2.0","method":"exit"}"#)
        #expect(exitCode.value == 1)
        #expect(output.values.count == 1)
        #expect(output.values.first?["error"]?["code"] == -32800)
    }

    @Test func responsesFromTheClientAreIgnored() {
        let (server, output) = makeServer()
        send(server, #"{"jsonrpc":"2.0","id":1,"result":null}"#)
        #expect(output.texts.isEmpty)
    }

    @Test func parametersHelperSaysWhatIsWrong() throws {
        let (server, output) = makeServer()
        server.register("typed") { context in
            try context.parameters.rejectUnknown(allowed: ["name"])
            return .string(try context.parameters.requireString("name"))
        }
        send(server, #"{"jsonrpc":"2.0","id":1,"method":"typed","params":{"name":5}}"#)
        send(server, #"{"jsonrpc":"2.0","id":2,"method":"typed","params":{"nam":"x"}}"#)
        send(server, #"{"jsonrpc":"2.0","id":3,"method":"typed","params":[]}"#)
        send(server, #"{"jsonrpc":"2.0","id":4,"method":"typed","params":{"name":"ok"}}"#)
        let v = output.values
        #expect(v[0]["error"]?["message"] == "typed: params.name must be a string; found a number")
        #expect(v[1]["error"]?["message"] == "typed: unknown member params.nam; expected one of 'name'")
        #expect(v[2]["error"]?["message"] == "typed: params must be an object; found an array")
        #expect(v[3]["result"] == "ok")
    }
}

final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ value: T) { _value = value }
    var value: T {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}

struct InFlightLimitTests {
    @Test func theReaderWaitsWhenTooManyRequestsAreInFlight() async throws {
        let output = CollectingOutput()
        var configuration = Server.Configuration()
        configuration.maxInFlight = 2
        let server = Server(output: output, configuration: configuration)
        let gate = LockedBox(false)
        server.register(
            "gated",
            async: { _ in
                while !gate.value { try await Task.sleep(nanoseconds: 1_000_000) }
                return "done"
            })
        let readerDone = LockedBox(false)
        Thread.detachNewThread {
            for id in 1...3 { server.receive(frame: Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"gated"}"#.utf8)) }
            readerDone.value = true
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(!readerDone.value, "the third request waits for room")
        #expect(server.inFlightCount == 2)
        gate.value = true
        let answers = await output.wait(for: 3)
        #expect(answers.count == 3)
        #expect(readerDone.value)
    }
}

struct ShutdownExitRaceTests {
    @Test func exitRightBehindShutdownStillSendsTheShutdownAnswer() async throws {
        let output = CollectingOutput()
        let server = Server(output: output)
        server.register(
            "never",
            async: { _ in
                try await Task.sleep(nanoseconds: 60_000_000_000)
                return nil
            })
        let answersAtExit = LockedBox<Int?>(nil)
        server.setExitHandler { _ in answersAtExit.value = output.count }
        await offPool {
            server.receive(frame: Array(#"{"jsonrpc":"2.0","id":1,"method":"never"}"#.utf8))
            server.receive(frame: Array(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#.utf8))
            server.receive(frame: Array(#"{"jsonrpc":"2.0","method":"exit"}"#.utf8))
        }
        #expect(answersAtExit.value == 2, "both answers were out before the process would exit")
        let values = output.values
        #expect(values.first { $0["id"] == 1 }?["error"]?["code"] == -32800)
        #expect(values.first { $0["id"] == 2 }?["result"] == .null)
    }
}
