#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Shared by the fuzz targets: failing loudly, reading configuration out of the fuzz input, and
// a deterministic generator for choices derived from it.
//
// A target is one `@_cdecl("LLVMFuzzerTestOneInput")` function. It must never crash on its own
// account; a broken property calls `fuzzFailure`, which prints what went wrong and aborts, and
// libFuzzer saves the input as `crash-…`. Swift runtime traps (index out of range, overflow,
// force-unwrap of nil) reach libFuzzer as deadly signals and are saved the same way.

/// Reports a broken property and aborts.
public func fuzzFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = "\n==FUZZ PROPERTY FAILED== \(file):\(line)\n\(message)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    abort()
}

/// `fuzzFailure` unless `condition` holds. The message is built only on failure.
@inline(__always)
public func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fuzzFailure(message(), file: file, line: line) }
}

/// Bytes as a readable, bounded string for failure messages: printable ASCII as is, the rest escaped.
public func escaped(_ bytes: some Collection<UInt8>, limit: Int = 400) -> String {
    var text = ""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 0x0A: text += "\\n"
        case 0x0D: text += "\\r"
        case 0x09: text += "\\t"
        case 0x5C: text += "\\\\"
        case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    if bytes.count > limit { text += "…(\(bytes.count) bytes)" }
    return text
}

/// The fuzz input as an `[UInt8]`.
public func fuzzBytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// SplitMix64: small, fast and deterministic, so a chunking derived from a seed in the input
/// replays exactly.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// FNV-1a over the input: a configuration derived from the bytes themselves, for targets whose
/// corpus files are plain documents with no header to spend on configuration.
public func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
}
