#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// Timestamps for records and file lines: UTC, ISO 8601 with milliseconds ("2024-11-04T21:45:00.123Z").
enum SandboxClock {
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return format(seconds: time.tv_sec, nanoseconds: Int(time.tv_nsec))
    }

    /// The same form for a moment given in seconds since 1970 (the outbox compares them as strings).
    static func string(epoch: Double) -> String {
        let whole = epoch.rounded(.down)
        return format(seconds: Int(whole), nanoseconds: Int((epoch - whole) * 1e9))
    }

    private static func format(seconds wholeSeconds: Int, nanoseconds: Int) -> String {
        var seconds = wholeSeconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = ""
        text.reserveCapacity(24)
        func append(_ value: Int, width: Int) { text += SandboxIdentifiers.zeroPadded(value, width: width) }
        append(Int(parts.tm_year) + 1900, width: 4); text += "-"
        append(Int(parts.tm_mon) + 1, width: 2); text += "-"
        append(Int(parts.tm_mday), width: 2); text += "T"
        append(Int(parts.tm_hour), width: 2); text += ":"
        append(Int(parts.tm_min), width: 2); text += ":"
        append(Int(parts.tm_sec), width: 2); text += "."
        append(nanoseconds / 1_000_000, width: 3); text += "Z"
        return text
    }
}
