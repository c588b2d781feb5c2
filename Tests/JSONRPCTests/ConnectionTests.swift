import Dispatch
import Foundation
import JSON
import Testing

@testable import JSONRPC

/// The whole serving loop (reader, decoder, dispatcher, writer, hang-up watcher, the three ways it
/// ends) run in process through `Connection.memory()`. The end-to-end suites run the same loop
/// through the binary; these pin down the loop itself without a subprocess.
struct ConnectionTests {
    /// Starts `run()` on its own thread; the returned semaphore is signalled with the status stored.
    func start(_ connection: Connection) -> (DispatchSemaphore, LockedBox<Int32?>) {
        let done = DispatchSemaphore(value: 0)
        let status = LockedBox<Int32?>(nil)
        Thread {
            status.value = connection.run()
            done.signal()
        }.start()
        return (done, status)
    }

    /// Reads `count` messages (or up to the end of output), off the cooperative pool.
    func read(_ host: MemoryHost, _ count: Int = .max) async -> [JSONValue] {
        await withCheckedContinuation { continuation in
            Thread {
                var values: [JSONValue] = []
                while values.count < count, let body = host.nextMessage() {
                    values.append((try? JSONParser.parse(body).root.value) ?? .string(String(decoding: body, as: UTF8.self)))
                }
                continuation.resume(returning: values)
            }.start()
        }
    }

    /// Waits (up to 30 s) on a thread of its own: blocking the cooperative pool would starve the handlers under test.
    func waitFor(_ semaphore: DispatchSemaphore) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: semaphore.wait(timeout: .now() + 30) == .success) }.start()
        }
    }

    @Test(arguments: [Framing.lsp, .ndjson])
    func framingErrorsAreAnsweredWithIDNullAndTheLoopReadsOn(framing: Framing) async {
        let (connection, host) = Connection.memory(maxMessageBytes: 100)
        connection.server.register("echo") { context in context.params?.value ?? .null }
        let (done, status) = start(connection)
        let big = #"{"jsonrpc":"2.0","id":9,"method":"echo","params":[""# + String(repeating: "x", count: 200) + #""]}"#
        host.send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}"#, framing: framing)
        host.send(big, framing: framing)
        host.send(#"{"jsonrpc":"2.0","id":2,"method":"echo","#, framing: framing)  // not JSON
        if framing == .lsp { host.write("this is no header\r\n\r\n") }
        host.send(#"{"jsonrpc":"2.0","id":3,"method":"echo","params":[3]}"#, framing: framing)
        if framing == .lsp { host.write("Content-Length: 50\r\n\r\n{\"jsonrpc\"") } else { host.write(#"{"jsonrpc":"2.0","id":4"#) }
        host.closeInput()
        #expect(await waitFor(done))
        #expect(status.value == 0)
        host.finish()
        let values = await read(host)

        var expected: [(id: JSONValue, code: Int?)] = [(1, nil), (.null, -32600), (.null, -32700)]
        if framing == .lsp { expected.append((.null, -32700)) }
        expected.append((3, nil))
        // The truncated last message: LSP framing reports it as a framing error; NDJSON hands the
        // line to the parser, which cannot parse it either.
        expected.append((.null, -32700))
        #expect(values.count == expected.count, "\(values)")
        for (value, want) in zip(values, expected) {
            #expect(value["id"] == want.id, "\(value)")
            #expect(value["error"]?["code"]?.intValue == want.code, "\(value)")
        }
        #expect(values.first?["result"] == [1])
        #expect(values[expected.count - 2]["result"] == [3])
    }

    @Test func aBatchIsAnsweredAsOneArrayInTheInputsFraming() async {
        let (connection, host) = Connection.memory()
        connection.server.register("echo") { context in context.params?.value ?? .null }
        connection.server.register("later", async: { context in context.params?.value ?? .null })
        let (done, _) = start(connection)
        host.write(
            #"[{"jsonrpc":"2.0","id":1,"method":"echo","params":["a"]},{"jsonrpc":"2.0","method":"note"},{"jsonrpc":"2.0","id":2,"method":"later","params":["b"]},{"jsonrpc":"2.0","id":3,"method":"nope"}]"#
                + "\n")
        host.closeInput()
        #expect(await waitFor(done))
        host.finish()
        let values = await read(host)
        #expect(values.count == 1)
        let answers = values.first?.arrayValue ?? []
        #expect(answers.count == 3, "\(values)")
        #expect(answers.first { $0["id"] == 1 }?["result"] == ["a"])
        #expect(answers.first { $0["id"] == 2 }?["result"] == ["b"])
        #expect(answers.first { $0["id"] == 3 }?["error"]?["code"] == -32601)
    }

    @Test func aCancelAnswersTheRequestOnceWithRequestCancelled() async {
        let (connection, host) = Connection.memory()
        let started = DispatchSemaphore(value: 0)
        let finishedAnyway = LockedBox(false)
        connection.server.register(
            "slow",
            async: { _ in
                started.signal()
                try? await Task.sleep(nanoseconds: 60_000_000_000)
                finishedAnyway.value = !Task.isCancelled
                return "late"
            })
        let (done, status) = start(connection)
        host.send(#"{"jsonrpc":"2.0","id":"s","method":"slow"}"#, framing: .ndjson)
        #expect(await waitFor(started))
        host.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"s"}}"#, framing: .ndjson)
        host.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"s"}}"#, framing: .ndjson)
        host.closeInput()
        #expect(await waitFor(done))
        #expect(status.value == 0)
        host.finish()
        let values = await read(host)
        #expect(values.count == 1, "\(values)")
        #expect(values.first?["id"] == "s")
        #expect(values.first?["error"]?["code"] == -32800)
        #expect(!finishedAnyway.value)
    }

    @Test func shutdownWaitsForWorkInFlightAndExitEndsWithStatusZero() async {
        let (connection, host) = Connection.memory()
        let release = DispatchSemaphore(value: 0)
        connection.server.register("gated") { _ in
            _ = release.wait(timeout: .now() + 30)
            return "done"
        }
        let (done, status) = start(connection)
        // Larger than the inline limit, so it is served off the reader thread and the shutdown arrives while it runs.
        host.send(
            #"{"jsonrpc":"2.0","id":1,"method":"gated","params":{"pad":""# + String(repeating: "p", count: 70_000) + #""}}"#, framing: .lsp)
        host.send(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#, framing: .lsp)
        host.send(#"{"jsonrpc":"2.0","id":3,"method":"gated"}"#, framing: .lsp)
        let early = await read(host, 1)
        release.signal()
        let rest = await read(host, 2)
        host.send(#"{"jsonrpc":"2.0","method":"exit"}"#, framing: .lsp)
        // The loop ends at exit, with input still open, as the process would.
        #expect(await waitFor(done))
        #expect(status.value == 0)
        host.finish()
        #expect(await read(host).isEmpty)
        // The request after shutdown is refused at once; shutdown answers only after request 1.
        #expect(early.first?["id"] == 3 && early.first?["error"]?["code"] == -32600, "\(early)")
        #expect(rest.map { $0["id"] } == [1, 2], "\(rest)")
        #expect(rest.first?["result"] == "done")
        #expect(rest.last?["result"] == .null)
    }

    @Test func exitWithoutShutdownCancelsWhatIsInFlightAndEndsWithStatusOne() async {
        let (connection, host) = Connection.memory()
        connection.server.register(
            "forever",
            async: { _ in
                try await Task.sleep(nanoseconds: 60_000_000_000)
                return "never"
            })
        let (done, status) = start(connection)
        host.send(#"{"jsonrpc":"2.0","id":1,"method":"forever"}"#, framing: .ndjson)
        host.send(#"{"jsonrpc":"2.0","method":"exit"}"#, framing: .ndjson)
        host.send(#"{"jsonrpc":"2.0","id":2,"method":"forever"}"#, framing: .ndjson)
        #expect(await waitFor(done))
        #expect(status.value == 1)
        host.finish()
        let values = await read(host)
        // Request 2 came after exit: a process would be gone, so it is neither served nor answered.
        #expect(values.count == 1, "\(values)")
        #expect(values.first?["id"] == 1 && values.first?["error"]?["code"] == -32800)
    }

    @Test func endOfInputAnswersEveryRequestInFlightBeforeTheLoopEnds() async {
        let (connection, host) = Connection.memory()
        connection.server.register(
            "wait",
            async: { context in
                try await Task.sleep(nanoseconds: 200_000_000)
                return context.params?.value ?? .null
            })
        let (done, status) = start(connection)
        for id in 1...20 { host.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"wait","params":[\#(id)]}"#, framing: .ndjson) }
        host.closeInput()
        #expect(await waitFor(done))
        #expect(status.value == 0)
        // Every answer was handed to the pipe before the loop ended (the _exit-after-flush rule).
        #expect(connection.channel.queuedByteCount == 0)
        host.finish()
        let values = await read(host)
        #expect(values.count == 20)
        #expect(Set(values.compactMap { $0["id"]?.intValue }) == Set(1...20), "\(values)")
        #expect(values.allSatisfy { $0["result"]?.arrayValue?.first == $0["id"] })
    }

    @Test func theHostGoingAwayCancelsWorkInFlightAndEndsTheLoop() async {
        let (connection, host) = Connection.memory()
        let started = DispatchSemaphore(value: 0)
        let cancelled = DispatchSemaphore(value: 0)
        connection.server.register(
            "forever",
            async: { _ in
                started.signal()
                do { try await Task.sleep(nanoseconds: 60_000_000_000) } catch { cancelled.signal() }
                return "never"
            })
        let (done, status) = start(connection)
        host.send(#"{"jsonrpc":"2.0","id":1,"method":"forever"}"#, framing: .ndjson)
        #expect(await waitFor(started))
        host.closeOutput()
        #expect(await waitFor(done))
        #expect(status.value == 0)
        #expect(await waitFor(cancelled))
        host.finish()
    }
}
