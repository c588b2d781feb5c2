import Dispatch
import Foundation  // the C library too (Glibc, Musl or Darwin), whichever the platform has
import Locking
import Testing

@testable import JSONRPC

/// With nothing queued, nothing being written and no hold on, `send` writes on the calling
/// thread (no writer wake-up); under a hold it batches until `release()`, which writes the batch
/// the same way; a full pipe never makes a sender wait.
@Suite struct OutputChannelDirectWriteTests {
    /// Bytes readable right now, without waiting.
    private func readAvailable(_ fd: Int32) -> [UInt8] {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Platform.read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(chunk[0..<n]) : []
    }

    @Test func anIdleSendIsWrittenBeforeItReturns() throws {
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write, framing: .ndjson)
        try #require(NonBlockingWrite.isAvailable(on: out.write), "this kernel has no RWF_NOWAIT for pipes")
        for i in 0..<200 {
            let frame = Array(#"{"i":\#(i)}"#.utf8)
            channel.send(frame)
            // Already in the pipe: no other thread had to run for it.
            #expect(readAvailable(out.read) == frame + [UInt8(ascii: "\n")], "frame \(i)")
            #expect(channel.queuedByteCount == 0)
        }
        channel.close()
        close(out.write)
        close(out.read)
    }

    @Test func aHoldBatchesUntilReleaseWhichWritesTheBatchAtOnce() throws {
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write, framing: .ndjson)
        try #require(NonBlockingWrite.isAvailable(on: out.write), "this kernel has no RWF_NOWAIT for pipes")
        usleep(50_000)  // the writer thread parks (an awake writer drains what it finds, hold or not)
        channel.hold()
        for i in 0..<3 { channel.send(Array(#"{"i":\#(i)}"#.utf8)) }
        usleep(50_000)
        #expect(readAvailable(out.read).isEmpty, "written under a hold")
        #expect(channel.queuedByteCount == 3 * 8)
        channel.release()
        #expect(readAvailable(out.read) == Array("{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n".utf8))
        #expect(channel.queuedByteCount == 0)
        channel.close()
        close(out.write)
        close(out.read)
    }

    @Test func aFullPipeLeavesTheRestToTheWriterInOrder() {
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write, framing: .ndjson)
        // 100 frames of 3 KiB: far more than the pipe holds; sending must return regardless.
        let frames = (0..<100).map { i in Array(#"{"i":\#(i),"pad":"\#(String(repeating: "x", count: 3000))"}"#.utf8) }
        let sent = DispatchSemaphore(value: 0)
        let sender = DedicatedThread(name: "sender", stackSize: 1 << 20) {
            for frame in frames { channel.send(frame) }
            sent.signal()
        }
        #expect(sent.wait(seconds: 10), "send blocked on a full pipe")
        sender.join()
        let drained = Collector()
        let drainer = DedicatedThread(name: "drainer", stackSize: 1 << 20) {
            drained.record(.frame(readAll(out.read)))
        }
        channel.flush()
        #expect(channel.queuedByteCount == 0)
        channel.close()
        close(out.write)
        drainer.join()
        close(out.read)
        #expect(drained.frames == [frames.flatMap { $0 + [UInt8(ascii: "\n")] }])
    }

    @Test func aFailedDirectWriteReportsOnClosedOnceFromTheWriter() {
        let out = Pipe()
        close(out.read)
        let closedCount = Counter()
        let closed = DispatchSemaphore(value: 0)
        let channel = OutputChannel(
            fileDescriptor: out.write, framing: .ndjson,
            onClosed: {
                closedCount.increment()
                closed.signal()
            })
        let senders = (0..<4).map { t in
            DedicatedThread(name: "sender", stackSize: 1 << 20) {
                for i in 0..<200 { channel.send(Array(#"{"t":\#(t),"i":\#(i)}"#.utf8)) }
            }
        }
        for sender in senders { sender.join() }
        #expect(closed.wait(seconds: 10))
        #expect(channel.isClosed)
        channel.flush()
        #expect(channel.queuedByteCount == 0)
        channel.close()
        #expect(!closed.wait(seconds: 0.2))
        #expect(closedCount.value == 1)
        close(out.write)
    }
}
