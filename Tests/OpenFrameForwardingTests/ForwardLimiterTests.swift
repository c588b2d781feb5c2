import Foundation
import TestSupport
import Testing

@testable import OpenFrameForwarding

@Suite("Forward limiter", .timeLimit(.minutes(1)))
struct ForwardLimiterTests {
    @Test("waiters are served in arrival order and told their position")
    func fifo() async throws {
        let limiter = ForwardLimiter(limit: 1)
        try await limiter.acquire(onQueued: { _ in Issue.record("the first acquire must not wait") })
        let order = Recorder<Int>()
        let positions = Recorder<Int>()
        var tasks: [Task<Void, Error>] = []
        for index in 1...5 {
            tasks.append(
                Task {
                    try await limiter.acquire(onQueued: { positions.append($0) })
                    order.append(index)
                    limiter.release()
                })
            // Let each one reach the queue before the next arrives.
            try await waitUntil { limiter.snapshot.waiting == index }
        }
        #expect(positions.values == [1, 2, 3, 4, 5])
        limiter.release()
        for task in tasks { try await task.value }
        #expect(order.values == [1, 2, 3, 4, 5])
        #expect(limiter.snapshot.inUse == 0 && limiter.snapshot.waiting == 0)
    }

    @Test("a cancelled waiter leaves the queue at once; the others keep their turn")
    func cancelledWaiter() async throws {
        let limiter = ForwardLimiter(limit: 1)
        try await limiter.acquire(onQueued: { _ in })
        let order = Recorder<Int>()
        let first = Task {
            try await limiter.acquire(onQueued: { _ in }); order.append(1); limiter.release()
        }
        try await waitUntil { limiter.snapshot.waiting == 1 }
        let second = Task {
            try await limiter.acquire(onQueued: { _ in }); order.append(2); limiter.release()
        }
        try await waitUntil { limiter.snapshot.waiting == 2 }
        let third = Task {
            try await limiter.acquire(onQueued: { _ in }); order.append(3); limiter.release()
        }
        try await waitUntil { limiter.snapshot.waiting == 3 }

        second.cancel()
        await #expect(throws: ForwardingError.cancelled) { try await second.value }
        #expect(limiter.snapshot.waiting == 2)

        limiter.release()
        try await first.value
        try await third.value
        #expect(order.values == [1, 3])
        #expect(limiter.snapshot.inUse == 0)
    }

    @Test("a task cancelled before it asks gets .cancelled and takes nothing")
    func cancelledBeforehand() async throws {
        let limiter = ForwardLimiter(limit: 1)
        try await limiter.acquire(onQueued: { _ in })
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await limiter.acquire(onQueued: { _ in })
        }
        await #expect(throws: ForwardingError.cancelled) { try await task.value }
        #expect(limiter.snapshot.waiting == 0)
        limiter.release()
        #expect(limiter.snapshot.inUse == 0)
    }

    @Test("never more holders than the limit under contention")
    func limitHolds() async throws {
        let limiter = ForwardLimiter(limit: 3)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await limiter.acquire(onQueued: { _ in })
                    gauge.enter()
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...5)))
                    gauge.leave()
                    limiter.release()
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.peak == 3)
        #expect(limiter.snapshot.inUse == 0)
    }
}

final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []
    func append(_ value: Value) { lock.withLock { storage.append(value) } }
    var values: [Value] { lock.withLock { storage } }
}

final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var peakValue = 0
    func enter() {
        lock.withLock {
            current += 1; peakValue = max(peakValue, current)
        }
    }
    func leave() { lock.withLock { current -= 1 } }
    var peak: Int { lock.withLock { peakValue } }
}

func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { throw StandInError("condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
