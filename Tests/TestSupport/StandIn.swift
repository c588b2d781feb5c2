import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON

/// The Python stand-in (Tests/StandIn/openframe_standin.py) as a subprocess, one per test.
/// It is started with `--exit-on-stdin-eof`, so it goes away with its stdin pipe even if
/// the test process dies; `stop()` (or deinit) terminates it explicitly.
public final class StandIn: @unchecked Sendable {
    public let url: String
    public let port: Int
    private let process: Process
    private let stdin: Pipe

    public static var scriptPath: String {
        // Tests/TestSupport/StandIn.swift -> Tests/StandIn/openframe_standin.py
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StandIn/openframe_standin.py").path
    }

    /// `arguments` are the stand-in's own options, e.g. `["--auth", "basic", "--username", "u", "--password", "p"]`.
    public init(_ arguments: [String] = []) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, "--port", "0", "--quiet", "--exit-on-stdin-eof"] + arguments
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.stdin = stdin
        let line = try await Self.readLine(stdout.fileHandleForReading)
        let document = try JSONParser.parse(line)
        guard let url = document.root["url"]?.stringValue, let port = document.root["port"]?.intValue else {
            process.terminate()
            throw StandInError("the stand-in printed \(String(decoding: line, as: UTF8.self))")
        }
        self.url = url
        self.port = port
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning { process.terminate() }
        try? stdin.fileHandleForWriting.close()
    }

    private static func readLine(_ handle: FileHandle) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var line: [UInt8] = []
                while true {
                    guard let byte = POSIXRead.byte(handle.fileDescriptor) else {
                        continuation.resume(throwing: StandInError("the stand-in exited before printing its port"))
                        return
                    }
                    if byte == UInt8(ascii: "\n") { break }
                    line.append(byte)
                }
                continuation.resume(returning: line)
            }
        }
    }

    // MARK: control API

    /// Calls the control API (plain HTTP on loopback, JSON both ways).
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        var request = URLRequest(url: URL(string: url + "/_standin" + path)!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw StandInError("control \(method) \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONParser.parse(Array(data)).root.value
    }

    public func addFaults(_ json: String) async throws { try await control("POST", "/faults", json) }
    public func configure(_ json: String) async throws { try await control("POST", "/config", json) }

    /// Request log entries for the instance surface (control requests are never logged).
    public func requests() async throws -> [JSONValue] {
        try await control("GET", "/requests")["requests"]?.arrayValue ?? []
    }

    public func records() async throws -> JSONObject {
        try await control("GET", "/records")["records"]?.objectValue ?? JSONObject()
    }

    public func refusedPort() async throws -> Int {
        try await control("POST", "/refused-port")["port"]?.intValue ?? 0
    }
}

public struct StandInError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// The value of the first header with this name (case-insensitive) in a request log entry.
    public func header(_ name: String) -> String? {
        for pair in self["headers"]?.arrayValue ?? [] {
            guard let items = pair.arrayValue, items.count == 2 else { continue }
            if items[0].stringValue?.lowercased() == name.lowercased() { return items[1].stringValue }
        }
        return nil
    }

    public func headerNames() -> [String] {
        (self["headers"]?.arrayValue ?? []).compactMap { $0.arrayValue?.first?.stringValue?.lowercased() }
    }
}

/// Reads from pipes with plain read(2), retrying EINTR. (FileHandle's non-throwing readers
/// trap on EINTR, which child processes make likely: SIGCHLD.)
public enum POSIXRead {
    public static func byte(_ fd: Int32) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count == 1 { return byte }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    public static func all(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { out += buffer[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            return out
        }
    }
}
