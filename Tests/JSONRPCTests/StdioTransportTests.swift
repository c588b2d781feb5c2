import Dispatch
import Foundation  // the C library too (Glibc, Musl or Darwin), whichever the platform has
import Locking
import Testing

@testable import JSONRPC

@Suite struct StdioTransportTests {
    @Test(arguments: [Framing.lsp, .ndjson])
    func readerThreadDeliversFramesWrittenByAnotherThread(framing: Framing) throws {
        let bodies = (0..<2000).map { i in
            Array(
                #"{"jsonrpc":"2.0","id":\#(i),"method":"m","params":["é😀",\#(String(repeating: "x", count: i % 300).debugDescription)]}"#
                    .utf8)
        }
        var wire: [UInt8] = []
        for body in bodies { FrameEncoder.encode(body, framing: framing, into: &wire) }
        let input = Pipe()
        let sink = Pipe()
        let output = OutputChannel(fileDescriptor: sink.write)
        let transport = StdioTransport(inputFileDescriptor: input.read, output: output, mode: .auto, readChunkSize: 1000)
        let collector = Collector()
        transport.start(onEvent: { collector.record($0) }, onEndOfInput: { collector.recordEnd() })
        let writer = DedicatedThread(name: "test-writer", stackSize: 1 << 20) { [wire] in
            writeInChunks(wire, to: input.write, chunks: [1, 7, 4096, 333, 65536])
        }
        #expect(collector.ended.wait(seconds: 30))
        transport.waitForEndOfInput()
        writer.join()
        #expect(collector.events == bodies.map { .frame($0) })
        #expect(collector.endCount == 1)
        #expect(output.framing == framing)
        output.close()
        close(input.read)
        close(sink.read)
        close(sink.write)
    }

    @Test func framingErrorsAndEndOfInputAreDeliveredInOrder() {
        let input = Pipe()
        let sink = Pipe()
        let output = OutputChannel(fileDescriptor: sink.write)
        let transport = StdioTransport(inputFileDescriptor: input.read, output: output, mode: .lsp)
        let collector = Collector()
        transport.start(onEvent: { collector.record($0) }, onEndOfInput: { collector.recordEnd() })
        let text = lsp("[1]") + "garbage\r\n" + lsp("[2]") + "Content-Length: 10\r\n\r\n[3"
        writeInChunks(Array(text.utf8), to: input.write, chunks: [5])
        #expect(collector.ended.wait(seconds: 30))
        #expect(kinds(collector.events) == ["frame:[1]", "error:garbage", "frame:[2]", "error:truncated"])
        #expect(collector.endCount == 1)
        output.close()
        close(input.read)
        close(sink.read)
        close(sink.write)
    }

    @Test func readerStopsReadingWhileTheOutputIsBackedUp() {
        let input = Pipe()
        let out = Pipe()
        let channel = OutputChannel(fileDescriptor: out.write, highWaterMark: 16 << 10)
        let transport = StdioTransport(inputFileDescriptor: input.read, output: channel, mode: .auto)
        let collector = Collector()
        let delivered = Counter()
        // An echo server: every frame is answered immediately.
        transport.start(
            onEvent: { event in
                delivered.increment()
                if case .frame(let body) = event { channel.send(body) }
            }, onEndOfInput: { collector.recordEnd() })

        let count = 20_000
        let pad = String(repeating: "p", count: 100)
        var wire: [UInt8] = []
        for i in 0..<count { FrameEncoder.encode(Array(#"{"i":\#(i),"pad":"\#(pad)"}"#.utf8), framing: .ndjson, into: &wire) }
        let writer = DedicatedThread(name: "test-writer", stackSize: 1 << 20) { [wire] in
            writeInChunks(wire, to: input.write, chunks: [65536])
        }
        // Nobody reads the output, so the reader must stall well before the end of the input.
        var waited = 0
        while delivered.value == 0 && waited < 10_000 { usleep(10_000); waited += 10 }
        usleep(500_000)
        let stalledAt = delivered.value
        #expect(stalledAt > 0)
        #expect(stalledAt < count / 2)
        #expect(collector.endCount == 0)

        let drainer = DedicatedThread(name: "drainer", stackSize: 1 << 20) {
            collector.record(.frame(readAll(out.read)))
        }
        #expect(collector.ended.wait(seconds: 60))
        #expect(delivered.value == count)
        writer.join()
        channel.flush()
        channel.close()
        close(out.write)
        drainer.join()
        #expect(collector.frames.first == wire)
        close(input.read)
        close(out.read)
    }
}

@Suite struct ClaimStdoutTests {
    /// Swaps fds 1 and 2 for pipes for a moment; output the test runner writes in that window
    /// lands in the pipes, so the checks look for markers rather than exact contents.
    @Test func claimStdoutMovesStdoutToStderrAndReturnsAPrivateDuplicate() {
        let fakeStdout = Pipe()
        let fakeStderr = Pipe()
        let savedStdout = dup(STDOUT_FILENO)
        let savedStderr = dup(STDERR_FILENO)
        dup2(fakeStdout.write, STDOUT_FILENO)
        dup2(fakeStderr.write, STDERR_FILENO)

        let protocolFD = StdioTransport.claimStdout()
        _ = "stray-print-marker\n".withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        _ = "protocol-marker\n".withCString { write(protocolFD, $0, strlen($0)) }
        let flags = fcntl(protocolFD, F_GETFD)

        dup2(savedStdout, STDOUT_FILENO)
        dup2(savedStderr, STDERR_FILENO)
        for fd in [savedStdout, savedStderr, protocolFD, fakeStdout.write, fakeStderr.write] { close(fd) }
        let stdoutText = String(decoding: readAll(fakeStdout.read), as: UTF8.self)
        let stderrText = String(decoding: readAll(fakeStderr.read), as: UTF8.self)
        close(fakeStdout.read)
        close(fakeStderr.read)

        #expect(protocolFD > STDERR_FILENO)
        #expect(flags & FD_CLOEXEC != 0)
        #expect(stdoutText.contains("protocol-marker"))
        #expect(!stdoutText.contains("stray-print-marker"))
        #expect(stderrText.contains("stray-print-marker"))
        #expect(!stderrText.contains("protocol-marker"))
    }
}
