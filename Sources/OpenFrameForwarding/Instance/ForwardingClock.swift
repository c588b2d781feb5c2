#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one source of time for forwarding: retry waits, token expiry, Retry-After dates, outbox ages.
/// Injected so that tests drive time by hand (a manual clock in the test target) instead of sleeping.
protocol ForwardingClock: Sendable {
    /// Monotonic time, for durations and expiry.
    var now: ContinuousClock.Instant { get }
    /// Wall-clock time, for Retry-After HTTP-dates and the outbox's ages.
    var date: Date { get }
    /// Waits `seconds` (none when ≤ 0); throws `CancellationError` as soon as the task is cancelled.
    func sleep(seconds: Double) async throws(CancellationError)
}

/// Real time: `ContinuousClock`, `Date()` and `Task.sleep`.
struct SystemForwardingClock: ForwardingClock {
    var now: ContinuousClock.Instant { .now }
    var date: Date { Date() }

    func sleep(seconds: Double) async throws(CancellationError) {
        if seconds > 0 {
            do {
                try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
            } catch {
                throw CancellationError()
            }
        }
        if Task.isCancelled { throw CancellationError() }
    }
}
