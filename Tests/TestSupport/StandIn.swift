import Foundation
import JSON

/// The Python stand-in (Tests/StandIn/openframe_standin.py) as a subprocess, one per test.
/// It is started with `--exit-on-stdin-eof`, so it goes away with its stdin pipe even if
/// the test process dies; `stop()` (or deinit) terminates it explicitly.
public final class StandIn: @unchecked Sendable {
    public let url: String
    public let port: Int
    /// The HTTPS URL when started with `--tls-cert`/`--tls-key` (same state, second port).
    public let tlsURL: String?
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
        self.tlsURL = document.root["tlsUrl"]?.stringValue
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

    /// Calls the control API (plain HTTP on loopback, JSON both ways). A blocking socket on a
    /// global queue: the tests' own HTTP client, independent of the transport under test.
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let (host, port) = (controlHost, self.port)
        let (status, data) = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Int, [UInt8]), Error>) in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try PlainHTTP.exchange(host: host, port: port, method: method, path: "/_standin" + path, body: body) })
            }
        }
        guard status == 200 else {
            throw StandInError("control \(method) \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONParser.parse(data).root.value
    }

    /// The address the stand-in listens on (an IPv6 literal without brackets for `--host ::1`).
    private var controlHost: String {
        guard let start = url.range(of: "://") else { return "127.0.0.1" }
        let authority = url[start.upperBound...]
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.prefix { $0 != ":" })
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

    /// `{"ok", "url", "tlsUrl", "tlsFailures", "endlessBytes", "openConnections"}`.
    public func health() async throws -> JSONValue { try await control("GET", "/health") }

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

/// A minimal HTTP/1.1 client for the stand-in's control API and for tests that need to speak
/// to a server without the transport under test: one request per connection, `Connection: close`.
public enum PlainHTTP {
    public static func exchange(
        host: String, port: Int, method: String, path: String, body: String?,
        headers: [String] = []
    ) throws -> (status: Int, body: [UInt8]) {
        let ipv6 = host.contains(":")
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StandInError("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { throw StandInError("connect to \(host):\(port): errno \(errno)") }
        let payload = Array((body ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(ipv6 ? "[\(host)]" : host):\(port)\r\nConnection: close\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n"
        for header in headers { head += header + "\r\n" }
        let request = Array((head + "\r\n").utf8) + payload
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StandInError("send: errno \(errno)") }
            sent += n
        }
        let answer = POSIXRead.all(fd)
        guard let split = answer.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw StandInError("no HTTP answer from \(host):\(port)")
        }
        let statusLine = String(decoding: answer[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        return (status, Array(answer[split.upperBound...]))
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1, ::1 and localhost, made with the
/// `openssl` command at test time (nothing secret is checked in), plus a second, unrelated CA.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    public var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    public var clientKey: String { directory.appendingPathComponent("client.key").path }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=openframe test CA"], in: directory)
        try Self.openssl(
            ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=openframe other CA"],
            in: directory)
        try "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
            .write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"
            .write(to: directory.appendingPathComponent("client.ext"), atomically: true, encoding: .utf8)
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=openframe test client")] {
            try Self.openssl(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject], in: directory)
            try Self.openssl(
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
                ], in: directory)
        }
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StandInError("openssl \(arguments.prefix(2).joined(separator: " ")) failed") }
    }
}
