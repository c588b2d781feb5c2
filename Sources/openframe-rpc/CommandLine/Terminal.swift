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

/// Output for the command-line commands (not the server, whose stdout is the protocol's).
enum Terminal {
    static func out(_ text: String) { write(1, text) }
    static func err(_ text: String) { write(2, text) }

    /// Prints a usage mistake and returns exit status 2.
    static func usageError(_ message: String) -> Int32 {
        err("openframe-rpc: \(message)\n")
        return 2
    }

    /// `--color`: `auto` colours only a terminal, and only when NO_COLOR (https://no-color.org) is unset or empty;
    /// `always` and `never` decide regardless of both.
    enum ColorChoice: String, CaseIterable {
        case auto, always, never

        func enabled(for fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
            switch self {
            case .always: true
            case .never: false
            case .auto: (environment["NO_COLOR"] ?? "").isEmpty && isatty(fd) == 1 && environment["TERM"] != "dumb"
            }
        }
    }

    /// An error for a person: Foundation's localized description where Foundation is linked;
    /// with FoundationEssentials only, the error's own description (it names the code and path).
    static func describe(_ error: any Error) -> String {
        #if canImport(FoundationEssentials)
        String(describing: error)
        #else
        error.localizedDescription
        #endif
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}

/// The C library's write(2): a top-level name, since members named `write` hide it inside types.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
