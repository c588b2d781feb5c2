import Dispatch
import Foundation  // the C library too (Glibc, Musl or Darwin), whichever the platform has
import Locking

@testable import JSONRPC

struct Pipe {
    let read: Int32
    let write: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed")
        read = fds[0]
        write = fds[1]
    }
}

/// Thread-safe record of what a transport delivered.
final class Collector: @unchecked Sendable {
    private let mutex = PThreadMutex()
    private var storedEvents: [FrameEvent] = []
    private var storedEnds = 0
    let ended = DispatchSemaphore(value: 0)

    func record(_ event: FrameEvent) { mutex.withLock { storedEvents.append(event) } }

    func recordEnd() {
        mutex.withLock { storedEnds += 1 }
        ended.signal()
    }

    var events: [FrameEvent] { mutex.withLock { storedEvents } }
    var endCount: Int { mutex.withLock { storedEnds } }

    var frames: [[UInt8]] {
        events.compactMap { if case .frame(let bytes) = $0 { bytes } else { nil } }
    }
}

final class Counter: @unchecked Sendable {
    private let mutex = PThreadMutex()
    private var count = 0
    func increment() { mutex.withLock { count += 1 } }
    var value: Int { mutex.withLock { count } }
}

/// Writes all of `bytes` in the given chunk sizes (cycled), then closes `fd`.
func writeInChunks(_ bytes: [UInt8], to fd: Int32, chunks: [Int]) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        var k = 0
        while offset < raw.count {
            let size = min(raw.count - offset, chunks[k % chunks.count])
            k += 1
            let error = FileDescriptorIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: raw[offset..<offset + size])) { _ in }
            precondition(error == 0, "write failed: \(error)")
            offset += size
        }
    }
    close(fd)
}

/// Reads `fd` until end of input.
func readAll(_ fd: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { FileDescriptorIO.read(fd, into: $0) }
        if n <= 0 { return result }
        result += chunk[0..<n]
    }
}

extension DispatchSemaphore {
    func wait(seconds: Double) -> Bool {
        wait(timeout: .now() + seconds) == .success
    }
}
