import Dispatch
import Foundation  // the C library too (Glibc, Musl or Darwin), whichever the platform has
import Locking
import Testing

@testable import JSONRPC

@Suite struct OutputChannelTests {
    @Test(arguments: [Framing.lsp, .ndjson])
    func concurrentSendsProduceWholeFrames(framing: Framing) {
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write, framing: framing)
        let written = Collector()
        let drainer = DedicatedThread(name: "drainer", stackSize: 1 << 20) {
            written.record(.frame(readAll(out.read)))
        }

        let threadCount = 8
        let perThread = 500
        @Sendable func body(_ t: Int, _ i: Int) -> [UInt8] {
            let pad = String(repeating: Character(UnicodeScalar(UInt8(97 + t))), count: (t * 7919 + i * 104_729) % 6000)
            return Array(#"{"t":\#(t),"i":\#(i),"pad":"\#(pad)é"}"#.utf8)
        }
        let senders = (0..<threadCount).map { t in
            DedicatedThread(name: "sender", stackSize: 1 << 20) {
                for i in 0..<perThread { channel.send(body(t, i)) }
            }
        }
        for sender in senders { sender.join() }
        channel.flush()
        #expect(channel.queuedByteCount == 0)
        channel.close()
        close(out.write)
        drainer.join()
        close(out.read)

        let events = decodeAll(written.frames[0], mode: framing == .lsp ? .lsp : .ndjson)
        #expect(events.count == threadCount * perThread)
        #expect(events.allSatisfy { if case .frame = $0 { true } else { false } })
        // Every frame intact, and each sender's frames in the order it sent them.
        for t in 0..<threadCount {
            let prefix = Array(#"{"t":\#(t),"#.utf8)
            let mine = events.filter { if case .frame(let bytes) = $0 { bytes.starts(with: prefix) } else { false } }
            #expect(mine == (0..<perThread).map { .frame(body(t, $0)) }, "sender \(t)")
        }
    }

    @Test func closedPeerCallsOnClosedOnceWithoutSIGPIPE() {
        let out = Pipe()
        close(out.read)
        let closedCount = Counter()
        let closed = DispatchSemaphore(value: 0)
        let channel = OutputChannel(
            fileDescriptor: out.write, framing: .lsp,
            onClosed: {
                closedCount.increment()
                closed.signal()
            })
        for i in 0..<100 { channel.send(Array("{\"i\":\(i)}".utf8)) }
        #expect(closed.wait(seconds: 10))
        for i in 0..<100 { channel.send(Array("{\"i\":\(i)}".utf8)) }
        channel.flush()
        channel.waitForCapacity()
        #expect(channel.isClosed)
        #expect(channel.queuedByteCount == 0)
        channel.close()
        #expect(!closed.wait(seconds: 0.2))
        #expect(closedCount.value == 1)
        close(out.write)
    }

    @Test func badDescriptorClosesTheChannel() {
        let closed = DispatchSemaphore(value: 0)
        let channel = OutputChannel(fileDescriptor: -1, framing: .ndjson, onClosed: { closed.signal() })
        channel.send(Array("{}".utf8))
        #expect(closed.wait(seconds: 10))
        #expect(channel.isClosed)
        channel.close()
    }

    @Test func waitForCapacityBlocksUntilTheOutputIsDrained() {
        let out = Pipe()
        let highWaterMark = 64 << 10
        let channel = OutputChannel(fileDescriptor: out.write, framing: .ndjson, highWaterMark: highWaterMark)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 8191)
        for _ in 0..<256 { channel.send(body) }  // 2 MiB, far beyond the pipe's buffer
        #expect(channel.queuedByteCount > highWaterMark)

        let released = DispatchSemaphore(value: 0)
        let waiter = DedicatedThread(name: "waiter", stackSize: 1 << 20) {
            channel.waitForCapacity()
            released.signal()
        }
        #expect(!released.wait(seconds: 0.3), "waitForCapacity returned while nobody read the output")
        #expect(channel.queuedByteCount > highWaterMark)

        let drained = Collector()
        let drainer = DedicatedThread(name: "drainer", stackSize: 1 << 20) {
            drained.record(.frame(readAll(out.read)))
        }
        #expect(released.wait(seconds: 30))
        waiter.join()
        channel.flush()
        channel.close()
        close(out.write)
        drainer.join()
        #expect(drained.frames == [Array(repeating: body + [UInt8(ascii: "\n")], count: 256).flatMap { $0 }])
        close(out.read)
    }

    @Test func framingIsLSPUntilSetAndAppliesFromThenOn() {
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write)
        #expect(channel.framing == nil)
        channel.send(Array("[1]".utf8))
        channel.flush()
        channel.setFraming(.ndjson)
        #expect(channel.framing == .ndjson)
        channel.send(Array("[2]".utf8)[...])
        channel.close()
        close(out.write)
        #expect(readAll(out.read) == Array("Content-Length: 3\r\n\r\n[1][2]\n".utf8))
        close(out.read)
    }
}
