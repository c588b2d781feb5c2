import Foundation
import Synchronization
import Testing

@testable import OpenFrameForwarding

/// Time that moves only when a test says so: `sleep` suspends until `advance(by:)` reaches the
/// sleeper's deadline (earliest first) or its task is cancelled. Records every wait asked of it.
final class ManualClock: ForwardingClock {
    private struct Sleeper {
        var deadline: Double
        var continuation: CheckedContinuation<Bool, Never>?
        var cancelledEarly = false
    }

    private struct State {
        var elapsed: Double = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        var requested: [Double] = []
    }

    private let origin = ContinuousClock.now
    private let startDate: Date
    private let state = Mutex(State())

    /// With `autoAdvance`, every sleep moves time to its own deadline at once (for tests that only
    /// check which waits were asked for); without it, sleepers wait for `advance(by:)`.
    private let autoAdvance: Bool

    init(date: Date = Date(timeIntervalSince1970: 1_767_225_600), autoAdvance: Bool = false) {  // 2026-01-01T00:00:00Z
        startDate = date
        self.autoAdvance = autoAdvance
    }

    var now: ContinuousClock.Instant { origin.advanced(by: .nanoseconds(Int64(elapsedSeconds * 1e9))) }
    var date: Date { startDate.addingTimeInterval(elapsedSeconds) }

    /// Seconds advanced so far.
    var elapsedSeconds: Double { state.withLock { $0.elapsed } }
    /// Every wait asked of the clock (> 0 s), in order.
    var requestedSleeps: [Double] { state.withLock { $0.requested } }
    /// Tasks suspended in `sleep` right now.
    var sleeperCount: Int { state.withLock { $0.sleepers.values.filter { $0.continuation != nil }.count } }

    func sleep(seconds: Double) async throws(CancellationError) {
        if Task.isCancelled { throw CancellationError() }
        guard seconds > 0 else { return }
        if autoAdvance {
            state.withLock { $0.requested.append(seconds) }
            advance(by: seconds)
            return
        }
        let id: UInt64 = state.withLock { s in
            s.nextID += 1
            s.requested.append(seconds)
            s.sleepers[s.nextID] = Sleeper(deadline: s.elapsed + seconds)
            return s.nextID
        }
        let woken = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = state.withLock { s in
                    guard let sleeper = s.sleepers[id] else { return false }
                    if sleeper.cancelledEarly || sleeper.deadline <= s.elapsed + 1e-9 {
                        s.sleepers[id] = nil
                        return !sleeper.cancelledEarly
                    }
                    s.sleepers[id]?.continuation = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Bool, Never>? = state.withLock { s in
                guard let sleeper = s.sleepers[id] else { return nil }
                if let continuation = sleeper.continuation {
                    s.sleepers[id] = nil
                    return continuation
                }
                s.sleepers[id]?.cancelledEarly = true
                return nil
            }
            continuation?.resume(returning: false)
        }
        if !woken { throw CancellationError() }
    }

    /// Moves time forward and wakes, earliest deadline first, every sleeper whose deadline it reached.
    func advance(by seconds: Double) {
        let due: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            s.elapsed += seconds
            let ready = s.sleepers.filter { $0.value.continuation != nil && $0.value.deadline <= s.elapsed + 1e-9 }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            for (id, _) in ready { s.sleepers[id] = nil }
            return ready.compactMap { $0.value.continuation }
        }
        for continuation in due { continuation.resume(returning: true) }
    }

    /// Waits (in real time, polling) until `count` tasks are suspended in `sleep`. The bound is generous:
    /// it only turns a forward that never sleeps into a failure, and a loaded machine (the whole
    /// suite runs in one process on two cores) can keep a task from running for seconds.
    func waitForSleepers(_ count: Int = 1) async throws {
        try await waitUntil(timeout: .seconds(30)) { sleeperCount >= count }
    }
}

/// The task's result, cancelling it after `seconds` of real time: a forward that waits on a manual
/// clock nobody advances ends as a failed expectation, not a hung test run.
func result<Value: Sendable>(of task: Task<Value, any Error>, within seconds: Double = 30) async -> Result<Value, any Error> {
    let watchdog = Task {
        try await Task.sleep(for: .seconds(seconds))
        Issue.record("the forward did not finish within \(seconds) s of real time; cancelled")
        task.cancel()
    }
    defer { watchdog.cancel() }
    return await task.result
}
