import Locking

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

/// Human-readable logging to stderr (stdout belongs to the protocol). One lock keeps lines whole.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case off, error, warning, info, debug, trace

    public init?(name: String) {
        switch name.lowercased() {
        case "off", "none": self = .off
        case "error": self = .error
        case "warning", "warn": self = .warning
        case "info": self = .info
        case "debug": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    var label: String {
        switch self {
        case .off: ""
        case .error: "error"
        case .warning: "warning"
        case .info: "info"
        case .debug: "debug"
        case .trace: "trace"
        }
    }
}

/// The process's one logger: lines for a person, on stderr.
///
/// The logging rule, stated here once: JSONRPC and the layers above it (OpenFrameServer, the
/// executable) log through `Log` (`Log.shared`, or a `Log` handed in). The layers below JSONRPC
/// (JSON, OpenFrame, OpenFrameForwarding) cannot import it and never write to stderr themselves: they
/// return what a person should read as values (`Sandbox.warnings`) or report it through a sink
/// closure, `@Sendable (String) -> Void` (`InstanceClient.LogSink`), that the layer wiring them
/// passes in as `log.sink(.debug)`, choosing the level there.
public final class Log: @unchecked Sendable {
    public static let shared = Log()

    private let lock = PThreadMutex()
    private var _level: LogLevel = .info
    private var fd: Int32 = 2

    public var level: LogLevel {
        get { lock.withLock { _level } }
        set { lock.withLock { _level = newValue } }
    }

    public func enabled(_ level: LogLevel) -> Bool { level != .off && level <= self.level }

    /// The message is an autoclosure so that disabled levels cost nothing.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled(level) else { return }
        let line = Array("openframe-rpc: \(level.label): \(message())\n".utf8)
        lock.withLock {
            line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Platform.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 { if errno == EINTR { continue } else { return } }
                    offset += written
                }
            }
        }
    }

    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }

    /// A sink for a lower layer's lines (see the rule above), logged at `level`.
    public func sink(_ level: LogLevel) -> @Sendable (String) -> Void {
        { [self] line in log(level, line) }
    }
}

/// The C library's write(2): a top-level name, since members named `write` hide it inside types.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
