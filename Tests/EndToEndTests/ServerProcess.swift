import Foundation
import JSON

/// The real `openframe-rpc` binary driven over pipes, as a host drives it.
final class ServerProcess: @unchecked Sendable {
    enum Framing { case lsp, ndjson }

    let process = Process()
    let framing: Framing
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private let condition = NSCondition()
    private var raw: [UInt8] = []
    private var messages: [JSONValue] = []
    private var errText: [UInt8] = []
    private var stdoutClosed = false
    /// Bytes of `raw` already searched for a newline.
    private var scanned = 0

    /// The binary built beside the test bundle, unless OPENFRAME_RPC_BIN names another.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["OPENFRAME_RPC_BIN"] { return URL(fileURLWithPath: path) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("openframe-rpc")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/openframe-rpc")
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `launcher` runs the binary through another program (e.g. `["/bin/sh", "-c", "ulimit -f 1; exec \"$@\"", "sh"]`).
    init(_ arguments: [String] = [], framing: Framing = .ndjson, environment: [String: String] = [:], launcher: [String]? = nil) throws {
        self.framing = framing
        if let launcher {
            process.executableURL = URL(fileURLWithPath: launcher[0])
            process.arguments = Array(launcher.dropFirst()) + [Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("OPENFRAME_") { env.removeValue(forKey: key) }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading
        let err = stderr.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = Self.read(out.fileDescriptor)
                if data.isEmpty { break }
                condition.withLock {
                    raw.append(contentsOf: data)
                    decode()
                    condition.broadcast()
                }
            }
            condition.withLock {
                stdoutClosed = true
                condition.broadcast()
            }
        }
        Thread.detachNewThread { [self] in
            while true {
                let data = Self.read(err.fileDescriptor)
                if data.isEmpty { break }
                condition.withLock { errText.append(contentsOf: data) }
            }
        }
    }

    /// One read(2), retrying EINTR: FileHandle's non-throwing readers trap on EINTR, which SIGCHLD makes likely.
    static func read(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno != EINTR { return [] }
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Splits complete messages off `raw` (lock held).
    private func decode() {
        while true {
            switch framing {
            case .ndjson:
                // Resume the search where the last one stopped: a 30 MB answer arrives in 64 KB reads.
                guard let newline = raw[min(scanned, raw.count)...].firstIndex(of: 0x0A) else {
                    scanned = raw.count
                    return
                }
                let line = Array(raw[..<newline])
                raw.removeSubrange(...newline)
                scanned = 0
                messages.append(try! JSONParser.parse(line).root.value)
            case .lsp:
                let separator: [UInt8] = Array("\r\n\r\n".utf8)
                guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else { return }
                let header = String(decoding: raw[..<end], as: UTF8.self)
                let length = Int(header.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))!
                let bodyStart = end + 4
                guard raw.count >= bodyStart + length else { return }
                messages.append(try! JSONParser.parse(Array(raw[bodyStart..<bodyStart + length])).root.value)
                raw.removeSubrange(..<(bodyStart + length))
            }
        }
    }

    func write(_ bytes: [UInt8]) {
        stdin.fileHandleForWriting.write(Data(bytes))
    }

    /// Sends one message in the process's framing.
    func send(_ text: String) {
        let body = Array(text.utf8)
        switch framing {
        case .ndjson: write(body + [0x0A])
        case .lsp: write(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
        }
    }

    func send(_ value: JSONValue) { send(value.jsonString) }

    func request(_ id: Int, _ method: String, _ params: JSONValue? = nil) {
        var object: JSONObject = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if let params { object["params"] = params }
        send(.object(object))
    }

    func notify(_ method: String, _ params: JSONValue? = nil) {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        send(.object(object))
    }

    func closeInput() { try? stdin.fileHandleForWriting.close() }

    /// Waits, off the cooperative pool, until `count` messages have arrived or `timeout` passes.
    func waitForMessages(_ count: Int, timeout: TimeInterval = 10) async -> [JSONValue] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (have, closed) = condition.withLock { (messages.count, stdoutClosed) }
            if have >= count || closed { break }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return condition.withLock { messages }
    }

    /// The response with this id, once it arrives.
    func response(_ id: Int, timeout: TimeInterval = 10) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = condition.withLock({ messages.first { $0["id"]?.intValue == id } }) { return found }
            if condition.withLock({ stdoutClosed }) { break }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return condition.withLock { messages.first { $0["id"]?.intValue == id } }
    }

    var received: [JSONValue] { condition.withLock { messages } }
    var rawOutput: [UInt8] { condition.withLock { raw } }
    var errorOutput: String { condition.withLock { String(decoding: errText, as: UTF8.self) } }

    /// Waits for the process to end; nil when it is still running after `timeout`.
    func waitForExit(timeout: TimeInterval = 10) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 5_000_000) }
        if process.isRunning { return nil }
        // Give the reader thread a moment to drain the last bytes.
        _ = await waitForMessages(Int.max, timeout: 2)
        return process.terminationStatus
    }
}

/// Runs the binary to completion with the given input, for the command-line commands.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs on a Dispatch thread: blocking the cooperative pool would starve the async tests running beside it.
    static func run(_ arguments: [String], input: [UInt8] = [], currentDirectory: URL? = nil) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(arguments, input: input, currentDirectory: currentDirectory) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], input: [UInt8], currentDirectory: URL?) throws -> CommandResult {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let err = Captured()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            err.bytes = readAll(stderr.fileHandleForReading.fileDescriptor)
            errDone.signal()
        }
        let out = readAll(stdout.fileHandleForReading.fileDescriptor)
        errDone.wait()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err.bytes, as: UTF8.self))
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = ServerProcess.read(fd)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }
}

/// Bytes handed from a reader thread; the semaphore around it orders the accesses.
private final class Captured: @unchecked Sendable {
    var bytes: [UInt8] = []
}
