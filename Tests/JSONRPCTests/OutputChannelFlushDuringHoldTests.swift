import Dispatch
import Foundation  // the C library too (Glibc, Musl or Darwin), whichever the platform has
import Locking
import Testing

@testable import JSONRPC

/// Regression (found by hardening/soak): the `exit` notification is handled on the reader thread
/// while it holds the output (`hold()` for the input chunk), and its handler calls `flush()`.
/// `flush()` woke the writer once, on entry; a frame sent by another thread during the flush (a
/// cancelled request's `$/progress` end, right after `exit` cancelled it) found the writer idle
/// but, with the hold on, did not wake it, so `flush()` waited for it forever and the process
/// never exited.
@Suite struct OutputChannelFlushDuringHoldTests {
    @Test func flushUnderAHoldIsNotStrandedBySendsFromOtherThreads() {
        for round in 0..<100 {
            let out = Pipe()
            let drained = Collector()
            let drainer = DedicatedThread(name: "drainer", stackSize: 1 << 20) {
                drained.record(.frame(readAll(out.read)))
            }
            let channel = OutputChannel(fileDescriptor: out.write, framing: .ndjson)
            let frame = Array(#"{"jsonrpc":"2.0","method":"$/progress","params":{"token":1,"value":{"kind":"end"}}}"#.utf8)
            let perSender = 300

            channel.hold()  // as the reader does while it delivers one input chunk's frames
            channel.send(frame)
            let senders = (0..<2).map { _ in
                DedicatedThread(name: "sender", stackSize: 1 << 20) {
                    for _ in 0..<perSender { channel.send(frame) }
                }
            }
            let flushed = DispatchSemaphore(value: 0)
            let flusher = DedicatedThread(name: "flusher", stackSize: 1 << 20) {
                channel.flush()  // as the exit handler does, still inside the hold
                flushed.signal()
            }
            for sender in senders { sender.join() }
            let ok = flushed.wait(seconds: 20)
            #expect(ok, "round \(round): flush() never returned: a frame sent during it was left unwritten")

            channel.release()  // unsticks a stranded flush, so the test can end either way
            flusher.join()
            channel.flush()
            channel.close()
            close(out.write)
            drainer.join()
            close(out.read)
            let expected = Array(repeating: frame + [UInt8(ascii: "\n")], count: 1 + 2 * perSender).flatMap { $0 }
            #expect(drained.frames == [expected])
            if !ok { return }
        }
    }
}
