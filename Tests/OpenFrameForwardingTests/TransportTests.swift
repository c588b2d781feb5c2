import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import JSON
import TestSupport
@testable import OpenFrameForwarding

/// The URLSession transport against the stand-in: the libcurl behaviours it has to defend against.
@Suite("URLSession transport", .timeLimit(.minutes(1)))
struct TransportTests {
    static let createBody = Array(#"{"interaction":{"userPhoneNumber":"+14155550100"}}"#.utf8)

    func createRequest(_ standIn: StandIn, timeout: Double = 5, headers: [(name: String, value: String)] = []) -> HTTPExchangeRequest {
        HTTPExchangeRequest(
            method: "POST", url: URL(string: standIn.url + "/api/now/openframe/voice-interaction")!,
            headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")] + headers,
            body: Self.createBody, timeout: timeout)
    }

    @Test("a plain exchange: status, headers, body; onSent is called")
    func plain() async throws {
        let standIn = try await StandIn()
        let sent = Flag()
        let response = try await URLSessionTransport().send(createRequest(standIn), onSent: { sent.set() })
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(String(decoding: response.body, as: UTF8.self).contains("\"SUCCESS\""))
        #expect(sent.isSet)
    }

    @Test("two exchanges in a row never share a connection, and each says Connection: close")
    func noConnectionReuse() async throws {
        let standIn = try await StandIn()
        let transport = URLSessionTransport()
        _ = try await transport.send(createRequest(standIn), onSent: {})
        _ = try await transport.send(createRequest(standIn), onSent: {})
        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 1])
        #expect(log[0]["connection"] != log[1]["connection"])
        #expect(log.allSatisfy { $0.header("Connection")?.lowercased() == "close" })
        #expect(log.allSatisfy { $0.header("Cookie") == nil })
    }

    @Test("a dropped connection after the record was stored is reported, never re-sent by libcurl")
    func droppedAfterStoreIsNotResent() async throws {
        let standIn = try await StandIn()
        let transport = URLSessionTransport()
        // First exchange: in a pooling client this would leave a kept-alive connection behind.
        _ = try await transport.send(createRequest(standIn), onSent: {})
        try await standIn.addFaults(#"{"drop": "after_store", "match": {"operation": "create"}}"#)
        await #expect(throws: TransportFailure.self) {
            _ = try await transport.send(createRequest(standIn), onSent: {})
        }
        let log = try await standIn.requests()
        #expect(log.count == 2, "libcurl must not have re-sent the POST")
        #expect(try await standIn.records().count == 2)
    }

    /// The control experiment: the trap the transport avoids is real. A URLSession that pools
    /// connections sends the second POST on the kept-alive connection; the stand-in stores it
    /// and drops the connection; libcurl silently sends the POST again on a fresh connection.
    /// (corelibs cannot rewind the body, so the resend hangs instead of storing a second
    /// record; with a rewindable body it would be stored twice.)
    @Test("control: a pooled URLSession lets libcurl re-send a POST whose connection died")
    func pooledSessionResends() async throws {
        let standIn = try await StandIn()
        let pooled = URLSession(configuration: .ephemeral)
        defer { pooled.finishTasksAndInvalidate() }
        var request = URLRequest(url: URL(string: standIn.url + "/api/now/openframe/voice-interaction")!)
        request.httpMethod = "POST"
        request.httpBody = Data(Self.createBody)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 1
        _ = try await pooled.data(for: request)
        try await standIn.addFaults(#"{"drop": "after_store", "match": {"operation": "create"}}"#)
        _ = try? await pooled.data(for: request)
        let log = try await standIn.requests()
        #expect(log.count == 3, "libcurl re-sent the POST by itself")
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2, 1])
        #expect(log[1]["outcome"]?.stringValue == "dropped_after_store")
    }

    @Test("a 401 with WWW-Authenticate comes back as the answer (corelibs would hang on it)")
    func unauthorizedWithChallenge() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "u", "--password", "p"])
        let started = ContinuousClock.now
        let response = try await URLSessionTransport().send(createRequest(standIn), onSent: {})
        #expect(response.status == 401)
        #expect(response.headers["www-authenticate"]?.contains("realm") == true)
        #expect(String(decoding: response.body, as: UTF8.self).contains("User Not Authenticated"))
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("a redirect is not followed: the 3xx is the answer")
    func redirectNotFollowed() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 307, "headers": {"Location": "/api/now/openframe/v9/voice-interaction"}}"#)
        let response = try await URLSessionTransport().send(createRequest(standIn), onSent: {})
        #expect(response.status == 307)
        #expect(try await standIn.requests().count == 1)
    }

    @Test("sub-second timeouts are honoured (corelibs would truncate them to 0)")
    func subSecondTimeout() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 3}"#)
        let started = ContinuousClock.now
        await #expect(throws: TransportFailure.timedOut) {
            _ = try await URLSessionTransport().send(createRequest(standIn, timeout: 0.6), onSent: {})
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(550))
    }

    @Test("cancelling the task stops the exchange promptly")
    func cancellation() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 5}"#)
        let transport = URLSessionTransport()
        let request = createRequest(standIn, timeout: 10)
        let task = Task { try await transport.send(request, onSent: {}) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(1))
        guard case .failure(let failure) = result else { Issue.record("expected a failure"); return }
        #expect(failure as? TransportFailure == .cancelled)
    }

    @Test("connection refused is reported as cannotConnectToHost")
    func refused() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let request = HTTPExchangeRequest(
            method: "POST", url: URL(string: "http://127.0.0.1:\(port)/api/now/openframe/voice-interaction")!,
            headers: [], body: Self.createBody, timeout: 5)
        let sent = Flag()
        let error = await #expect(throws: TransportFailure.self) {
            _ = try await URLSessionTransport().send(request, onSent: { sent.set() })
        }
        guard case .failed(let code, _)? = error else { Issue.record("expected .failed, got \(String(describing: error))"); return }
        #expect(code == URLError.cannotConnectToHost.rawValue)
        #expect(!sent.isSet)
    }

    @Test("a session per exchange leaks neither file descriptors nor threads")
    func noLeaks() async throws {
        let standIn = try await StandIn(["--no-cookies"])
        let transport = URLSessionTransport()
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
        for _ in 0..<20 { _ = try await transport.send(createRequest(standIn), onSent: {}) }
        try await Task.sleep(for: .milliseconds(200))
        let (fdsBefore, threadsBefore) = (openDescriptors(), threads())
        for _ in 0..<200 { _ = try await transport.send(createRequest(standIn), onSent: {}) }
        try await Task.sleep(for: .milliseconds(300))
        let (fdsAfter, threadsAfter) = (openDescriptors(), threads())
        // Other tests run in parallel and open their own; a leak would be one or more per exchange.
        #expect(fdsAfter - fdsBefore < 40, "\(fdsBefore) -> \(fdsAfter)")
        #expect(threadsAfter - threadsBefore < 20, "\(threadsBefore) -> \(threadsAfter)")
        #expect(try await standIn.requests().count == 220)
    }

    @Test("a request never prints its headers")
    func requestRedacted() {
        let request = HTTPExchangeRequest(
            method: "POST", url: URL(string: "https://dev1.service-now.com/api/now/openframe/voice-interaction")!,
            headers: [(name: "Authorization", value: "Bearer top-secret-token")], body: [1, 2, 3], timeout: 5)
        var dumped = ""
        dump(request, to: &dumped)
        for text in ["\(request)", String(reflecting: request), dumped] {
            #expect(!text.contains("top-secret-token"), "\(text)")
            #expect(text.contains("voice-interaction"))
        }
    }

    struct ReasonCase: Sendable, CustomTestStringConvertible {
        let failure: TransportFailure
        let operation: ForwardOperation
        let reason: String
        let nothingSent: Bool
        let retryable: Bool
        var testDescription: String { "\(failure)" }
    }

    @Test("failure reasons say what happened and whether the instance may have acted", arguments: [
        ReasonCase(failure: .failed(code: URLError.cannotConnectToHost.rawValue, message: nil), operation: .create,
                   reason: "could not connect to h:1 (connection refused); nothing was sent", nothingSent: true, retryable: true),
        ReasonCase(failure: .failed(code: URLError.cannotFindHost.rawValue, message: "Could not resolve host: h"), operation: .create,
                   reason: "cannot find the host h:1 (DNS lookup failed); nothing was sent", nothingSent: true, retryable: false),
        ReasonCase(failure: .timedOut, operation: .create,
                   reason: "no complete answer from h:1 within 30 s; the instance may have created the record; not retried", nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: URLError.timedOut.rawValue, message: nil), operation: .update,
                   reason: "no complete answer from h:1 within 30 s; the instance may have applied the update; not retried", nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: URLError.networkConnectionLost.rawValue, message: "Recv failure: Connection reset by peer"), operation: .create,
                   reason: "the connection to h:1 was lost before a complete answer arrived (Recv failure: Connection reset by peer); the instance may have created the record; not retried",
                   nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: URLError.badServerResponse.rawValue, message: "Empty reply from server"), operation: .update,
                   reason: "h:1 closed the connection without a valid HTTP answer (Empty reply from server); the instance may have applied the update; not retried",
                   nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: URLError.secureConnectionFailed.rawValue, message: "SSL connect error"), operation: .create,
                   reason: "the TLS connection to h:1 failed (SSL connect error); nothing was sent", nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: URLError.serverCertificateUntrusted.rawValue, message: nil), operation: .create,
                   reason: "the TLS connection to h:1 failed (handshake or certificate); nothing was sent", nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: -1203, message: "SSL certificate problem: unable to get local issuer certificate"), operation: .create,
                   reason: "the TLS connection to h:1 failed (SSL certificate problem: unable to get local issuer certificate); nothing was sent",
                   nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: URLError.cancelled.rawValue, message: nil), operation: .create,
                   reason: "the HTTP layer cancelled the request to h:1; the instance may have created the record; not retried", nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number"), operation: .create,
                   reason: "the TLS connection to h:1 failed (OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number); nothing was sent",
                   nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: "SSL certificate problem: unable to get local issuer certificate"), operation: .update,
                   reason: "the TLS connection to h:1 failed (SSL certificate problem: unable to get local issuer certificate); nothing was sent",
                   nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: "OpenSSL SSL_read: error:0A000126:SSL routines::unexpected eof while reading, errno 0"), operation: .create,
                   reason: "the TLS connection to h:1 broke during the exchange (OpenSSL SSL_read: error:0A000126:SSL routines::unexpected eof while reading, errno 0); the instance may have created the record; not retried",
                   nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: "Failed to connect to h port 1 after 3 ms: No route to host"), operation: .create,
                   reason: "could not connect to h:1 (Failed to connect to h port 1 after 3 ms: No route to host); nothing was sent",
                   nothingSent: true, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: "transfer closed with 40 bytes remaining to read"), operation: .create,
                   reason: "the HTTP request to h:1 failed (URLError -1) (transfer closed with 40 bytes remaining to read); the instance may have created the record; not retried",
                   nothingSent: false, retryable: false),
        ReasonCase(failure: .failed(code: -1, message: nil), operation: .token,
                   reason: "the HTTP request to h:1 failed (URLError -1); no interaction was sent", nothingSent: false, retryable: false),
    ])
    func reasons(_ item: ReasonCase) {
        #expect(item.failure.reason(host: "h:1", timeout: 30, operation: item.operation) == item.reason)
        #expect(item.failure.nothingWasSent == item.nothingSent)
        #expect(item.failure.isConnectionRefused == item.retryable)
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
