import Foundation
import JSON
import Testing

@testable import JSONRPC

/// An output whose `send` of the answer to id 1 blocks until released, so a test can hold a
/// handler between "taken out of the in-flight table" and "handed to the output".
private final class GatedOutput: MessageOutput, @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [String] = []
    private var gateOpen = false
    private(set) var gateReached = DispatchSemaphore(value: 0)

    func send(_ body: [UInt8]) {
        let text = String(decoding: body, as: UTF8.self)
        if text.contains(#""id":1,"result""#) {
            gateReached.signal()
            condition.withLock { while !gateOpen { condition.wait() } }
        }
        condition.withLock { messages.append(text) }
    }

    func open() {
        condition.withLock {
            gateOpen = true; condition.broadcast()
        }
    }
    var texts: [String] { condition.withLock { messages } }
}

/// Regression (found while investigating the soak's exit hang): `exit` answered every request
/// still in the in-flight table with -32800 and then called the exit handler (flush, then
/// exit(2)) at once. A request whose handler had just finished was no longer in the table but
/// its answer was not yet handed to the output: `exit` neither answered it nor waited for it,
/// so the process could end with that request unanswered. `exit` now waits for answers in
/// progress, as end of input does.
struct ExitWaitsForAnswersInProgressTests {
    @Test func exitWaitsForAnAnswerBeingHandedToTheOutput() async throws {
        let output = GatedOutput()
        let server = Server(output: output)
        server.register("quick", async: { _ in .string("done") })
        let exitCalled = DispatchSemaphore(value: 0)
        let answersAtExit = LockedBox<[String]?>(nil)
        server.setExitHandler { _ in
            answersAtExit.value = output.texts
            exitCalled.signal()
        }
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":1,"method":"quick"}"#.utf8))
        // The handler returned; its answer is on its way out, held at the output.
        let reached = await Task.detached { output.gateReached.wait(timeout: .now() + 30) == .success }.value
        try #require(reached)

        let exiting = Thread { server.receive(frame: Array(#"{"jsonrpc":"2.0","method":"exit"}"#.utf8)) }
        exiting.start()
        let early = await Task.detached { exitCalled.wait(timeout: .now() + 0.5) == .success }.value
        #expect(!early, "exit went ahead while an answer was still being handed to the output")

        output.open()
        let called = early ? true : await Task.detached { exitCalled.wait(timeout: .now() + 30) == .success }.value
        #expect(called)
        let texts = answersAtExit.value ?? []
        #expect(texts.contains { $0.contains(#""id":1,"result":"done""#) }, "\(texts)")
    }
}
