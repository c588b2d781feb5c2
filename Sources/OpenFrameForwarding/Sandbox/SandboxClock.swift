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
        var seconds = time.tv_sec
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
        append(Int(time.tv_nsec) / 1_000_000, width: 3); text += "Z"
        return text
    }
}
