import Foundation
import JSON
import Locking
import TestSupport
import Testing

@testable import OpenFrameForwarding

/// The libcurl transport against the stand-in: connection reuse, never a silent re-send, hard
/// limits, TLS. Each test has its own transport (its own multi handle and connections).
@Suite("libcurl transport", .timeLimit(.minutes(1)))
struct TransportTests {
    static let createBody = Array(#"{"interaction":{"userPhoneNumber":"+14155550100"}}"#.utf8)

    static func transport(maxConnections: Int = 4, tls: TLSSettings = TLSSettings()) -> CurlTransport {
        CurlTransport(settings: CurlSettings(maxConnections: maxConnections, tls: tls))
    }

    func createRequest(
        _ base: String, timeout: Double = 5, headers: [(name: String, value: String)] = [], body: [UInt8] = TransportTests.createBody
    ) -> HTTPExchangeRequest {
        HTTPExchangeRequest(
            method: "POST", url: URL(string: base + "/api/now/openframe/voice-interaction")!,
            headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")] + headers,
            body: body, timeout: timeout)
    }

    func createRequest(_ standIn: StandIn, timeout: Double = 5, headers: [(name: String, value: String)] = []) -> HTTPExchangeRequest {
        createRequest(standIn.url, timeout: timeout, headers: headers)
    }

    static func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }

    @Test("a plain exchange: status, headers, body; onSent is called")
    func plain() async throws {
        let standIn = try await StandIn()
        let sent = Flag()
        let response = try await Self.transport().send(createRequest(standIn), onSent: { sent.set() })
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(String(decoding: response.body, as: UTF8.self).contains("\"SUCCESS\""))
        #expect(sent.isSet)
    }

    @Test("three sequential exchanges use one kept-alive connection; identity encoding, no Expect, no Connection: close, no cookies")
    func connectionReused() async throws {
        let standIn = try await StandIn()
        let transport = Self.transport()
        for _ in 0..<3 { #expect(try await transport.send(createRequest(standIn), onSent: {}).status == 200) }
        let log = try await standIn.requests()
        #expect(log.count == 3)
        #expect(Set(log.compactMap { $0["connection"]?.intValue }).count == 1, "\(log.map { $0["connection"] })")
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2, 3])
        #expect(log.allSatisfy { $0.header("Connection") == nil })
        #expect(log.allSatisfy { $0.header("Cookie") == nil })
        #expect(log.allSatisfy { $0.header("Expect") == nil })
        #expect(log.allSatisfy { $0.header("Accept-Encoding") == "identity" })
        #expect(log.allSatisfy { $0["bodyLength"]?.intValue == Self.createBody.count })
    }

    @Test("a drop after storing the 2nd request of a kept-alive connection: reported as written, never re-sent")
    func droppedAfterStoreIsNotResent() async throws {
        let standIn = try await StandIn()
        let transport = Self.transport()
        _ = try await transport.send(createRequest(standIn), onSent: {})
        try await standIn.addFaults(#"{"drop": "after_store", "match": {"operation": "create"}}"#)
        let failure = await #expect(throws: TransportFailure.self) {
            _ = try await transport.send(createRequest(standIn), onSent: {})
        }
        #expect(failure?.requestWritten == true)
        #expect(failure?.nothingWasSent == false)
        let log = try await standIn.requests()
        #expect(log.count == 2, "libcurl must not have re-sent the POST")
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2])
        #expect(log[1]["outcome"]?.stringValue == "dropped_after_store")
        #expect(try await standIn.records().count == 2)
        // The transport still works afterwards, on a fresh connection.
        #expect(try await transport.send(createRequest(standIn), onSent: {}).status == 200)
    }

    @Test("an idle connection the server closed is not used: the next request goes out on a fresh one, once")
    func idleClosedConnection() async throws {
        let standIn = try await StandIn()
        try await standIn.configure(#"{"idleTimeout": 0.1}"#)
        let transport = Self.transport()
        _ = try await transport.send(createRequest(standIn), onSent: {})
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await transport.send(createRequest(standIn), onSent: {}).status == 200)
        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 1])
        #expect(try await standIn.records().count == 2)
    }

    /// The race the rule exists for: the server closes idle connections at about the moment the
    /// next request goes out. Whatever happens, a request is never stored twice; a success was
    /// stored exactly once; a failure that says nothing was written was not stored at all.
    @Test("idle closes racing requests: never a duplicate, never a silent loss")
    func idleCloseRace() async throws {
        let standIn = try await StandIn(["--no-validate"])
        try await standIn.configure(#"{"idleTimeout": 0.15}"#)
        let transport = Self.transport()
        var outcomes: [(id: String, result: Result<HTTPExchangeResponse, TransportFailure>)] = []
        for index in 0..<14 {
            let id = "race-\(index)"
            let body = Array(#"{"interaction":{"userPhoneNumber":"+14155550100","clientSessionId":"\#(id)"}}"#.utf8)
            let request = HTTPExchangeRequest(
                method: "POST", url: URL(string: standIn.url + "/api/now/openframe/voice-interaction")!,
                headers: [(name: "Content-Type", value: "application/json")], body: body, timeout: 5)
            do throws(TransportFailure) {
                outcomes.append((id, .success(try await transport.send(request, onSent: {}))))
            } catch {
                outcomes.append((id, .failure(error)))
            }
            try await Task.sleep(for: .milliseconds(140 + (index % 5) * 5))
        }
        let records = try await standIn.records()
        var stored: [String: Int] = [:]
        for record in records.members.map(\.value) {
            let id = record["createPayload"]?["interaction"]?["clientSessionId"]?.stringValue ?? "?"
            stored[id, default: 0] += 1
        }
        #expect(stored.values.allSatisfy { $0 == 1 }, "stored twice: \(stored)")
        for (id, result) in outcomes {
            switch result {
            case .success(let response):
                #expect(response.status == 200)
                #expect(stored[id] == 1, "\(id) answered but stored \(stored[id] ?? 0) times")
            case .failure(let failure):
                if !failure.requestWritten { #expect(stored[id] == nil, "\(id) said nothing was sent but was stored") }
            }
        }
    }

    @Test("keepalive_requests-style closes after N requests never lose or duplicate anything")
    func keepAliveRequestsLimit() async throws {
        let standIn = try await StandIn(["--no-validate"])
        try await standIn.configure(#"{"keepAliveRequests": 2}"#)
        let transport = Self.transport()
        for index in 0..<7 {
            let body = Array(#"{"interaction":{"userPhoneNumber":"+1","clientSessionId":"k\#(index)"}}"#.utf8)
            #expect(try await transport.send(createRequest(standIn.url, body: body), onSent: {}).status == 200)
        }
        let log = try await standIn.requests()
        #expect(log.count == 7)
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2, 1, 2, 1, 2, 1])
        #expect(Set(log.compactMap { $0["connection"]?.intValue }).count == 4)
        let ids = try await standIn.records().members.map(\.value).compactMap {
            $0["createPayload"]?["interaction"]?["clientSessionId"]?.stringValue
        }
        #expect(ids.sorted() == (0..<7).map { "k\($0)" })
    }

    @Test("a slow exchange holds up no other: concurrent requests get their own connections", arguments: ["http", "https"])
    func slowExchangeBlocksNoOther(scheme: String) async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let standIn = try await StandIn(["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey])
        let base = try #require(scheme == "https" ? standIn.tlsURL : standIn.url)
        try await standIn.addFaults(#"{"delay": 6}"#)
        let transport = Self.transport(tls: TLSSettings(caFile: certificates.caFile))
        let slowRequest = createRequest(base, timeout: 10)
        let slow = Task { try await transport.send(slowRequest, onSent: {}) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        let fast = createRequest(base)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 { group.addTask { try await transport.send(fast, onSent: {}).status } }
            for try await status in group { #expect(status == 200) }
        }
        #expect(ContinuousClock.now - started < .seconds(4), "did not wait for the slow one (6 s)")
        #expect(try await slow.value.status == 200)
        #expect(Set(try await standIn.requests().compactMap { $0["connection"]?.intValue }).count >= 2)
    }

    @Test("a 401 with WWW-Authenticate comes back as the answer")
    func unauthorizedWithChallenge() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "u", "--password", "p"])
        let response = try await Self.transport().send(createRequest(standIn), onSent: {})
        #expect(response.status == 401)
        #expect(response.headers["www-authenticate"]?.contains("realm") == true)
        #expect(String(decoding: response.body, as: UTF8.self).contains("User Not Authenticated"))
    }

    @Test("a redirect is not followed: the 3xx is the answer")
    func redirectNotFollowed() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 307, "headers": {"Location": "/api/now/openframe/v9/voice-interaction"}}"#)
        let response = try await Self.transport().send(createRequest(standIn), onSent: {})
        #expect(response.status == 307)
        #expect(try await standIn.requests().count == 1)
    }

    @Test("sub-second timeouts are honoured, and the request is known to have gone out")
    func subSecondTimeout() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 8}"#)
        let started = ContinuousClock.now
        await #expect(throws: TransportFailure.timedOut(requestWritten: true)) {
            _ = try await Self.transport().send(createRequest(standIn, timeout: 0.6), onSent: {})
        }
        // The upper bound is loose: under a full parallel test run the awaiting task may wait for
        // a free thread of the cooperative pool. Without the deadline the answer comes after 8 s.
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(550) && elapsed < .seconds(5), "\(elapsed)")
    }

    @Test("cancelling the task stops the exchange promptly and closes its connection")
    func cancellation() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 8}"#)
        let transport = Self.transport()
        let request = createRequest(standIn, timeout: 20)
        let task = Task { try await transport.send(request, onSent: {}) }
        // Cancel once the stand-in holds the request (it took the 8 s delay): on a loaded machine a
        // fixed pause could cancel before the request left, and the next one would get the delay.
        for _ in 0..<200 where try await standIn.requests().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await standIn.requests().count == 1)
        let started = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(3), "long before the answer (8 s)")
        guard case .failure(let failure) = result else { Issue.record("expected a failure"); return }
        #expect(failure as? TransportFailure == .cancelled)
        // The next request does not queue behind the abandoned one.
        #expect(try await transport.send(createRequest(standIn), onSent: {}).status == 200)
    }

    @Test("connection refused: CURLE_COULDNT_CONNECT with ECONNREFUSED, nothing written, retryable")
    func refused() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let sent = Flag()
        let failure = await #expect(throws: TransportFailure.self) {
            _ = try await Self.transport().send(createRequest("http://127.0.0.1:\(port)"), onSent: { sent.set() })
        }
        guard case .failed(let code, let osErrno, _, let written)? = failure else {
            Issue.record("expected .failed, got \(String(describing: failure))"); return
        }
        #expect(code == 7 && osErrno == Int(ECONNREFUSED) && !written)
        #expect(failure?.isConnectionRefused == true)
        #expect(!sent.isSet)
    }

    @Test("an IPv6 literal URL works: http://[::1]:PORT")
    func ipv6Literal() async throws {
        let standIn = try await StandIn(["--host", "::1"])
        #expect(standIn.url.hasPrefix("http://[::1]:"))
        let response = try await Self.transport().send(createRequest(standIn), onSent: {})
        #expect(response.status == 200)
        #expect(try await standIn.records().count == 1)
    }

    @Test("a header value with CR/LF is refused before anything is sent")
    func controlCharacterHeaderRefused() async throws {
        let standIn = try await StandIn()
        let failure = await #expect(throws: TransportFailure.self) {
            _ = try await Self.transport().send(
                createRequest(standIn, headers: [(name: "Authorization", value: "Bearer abc\r\nX-Injected: 1")]), onSent: {})
        }
        guard case .invalidRequest(let why)? = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(why.contains("Authorization") && !why.contains("abc"))
        #expect(try await standIn.requests().isEmpty)
    }

    // MARK: hard limits

    @Test("an endless chunked body is cut off at the cap, quickly, and its connection closed")
    func endlessBodyCutOff() async throws {
        let standIn = try await StandIn()
        let transport = Self.transport()
        _ = try await transport.send(createRequest(standIn), onSent: {})  // warm up: one kept-alive connection
        let baseline = Self.openDescriptors()
        try await standIn.addFaults(#"{"endlessBody": true, "times": 3}"#)
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let failure = await #expect(throws: TransportFailure.self) {
                _ = try await transport.send(createRequest(standIn, timeout: 20), onSent: {})
            }
            #expect(failure == .answerTooLarge(status: 200, limit: CurlExchange.maxBody))
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        try await Task.sleep(for: .milliseconds(300))
        let health = try await standIn.health()
        // The stand-in stopped being able to write: it sent at most a few MiB past the cap (socket buffers).
        #expect((health["endlessBytes"]?.intValue ?? 0) < 64 * 1024 * 1024)
        #expect(health["openConnections"]?.intValue ?? 99 <= 1, "\(health)")
        #expect(Self.openDescriptors() <= baseline + 2, "descriptors: \(baseline) -> \(Self.openDescriptors())")
    }

    @Test("an endless body that arrives slowly is cut off by the deadline")
    func endlessBodyDeadline() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"endlessBody": true, "drip": 0.05}"#)
        let started = ContinuousClock.now
        await #expect(throws: TransportFailure.timedOut(requestWritten: true)) {
            _ = try await Self.transport().send(createRequest(standIn, timeout: 1), onSent: {})
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(5), "\(elapsed)")  // loose: see subSecondTimeout
        try await Task.sleep(for: .milliseconds(300))
        #expect((try await standIn.health()["openConnections"]?.intValue ?? 99) <= 1, "only the control connection is left")
    }

    @Test("a real SUCCESS over the cap is 'could not read the answer', as written")
    func oversizedSuccess() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"padBody": 5000000}"#)
        let failure = await #expect(throws: TransportFailure.self) {
            _ = try await Self.transport().send(createRequest(standIn), onSent: {})
        }
        #expect(failure == .answerTooLarge(status: 200, limit: CurlExchange.maxBody))
        #expect(failure?.requestWritten == true)
        #expect(try await standIn.records().count == 1)
        let reason = failure?.reason(host: "h:1", timeout: 30, operation: .create) ?? ""
        #expect(
            reason
                == "could not read the answer from h:1 (HTTP 200): its body is larger than 4 MiB and was cut off; the instance may have created the record; not retried"
        )
    }

    @Test("oversized and aborted answers leak no descriptors, and kept connections stay bounded")
    func noLeaks() async throws {
        let standIn = try await StandIn(["--no-cookies"])
        let transport = Self.transport(maxConnections: 2)
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
        for _ in 0..<10 { _ = try await transport.send(createRequest(standIn), onSent: {}) }
        try await Task.sleep(for: .milliseconds(200))
        let (fdsBefore, threadsBefore) = (Self.openDescriptors(), threads())
        try await standIn.addFaults(#"{"padBody": 6000000, "times": 10}"#)
        for _ in 0..<10 { _ = try? await transport.send(createRequest(standIn), onSent: {}) }
        try await standIn.addFaults(#"{"drop": "mid_body", "times": 10}"#)
        for _ in 0..<10 { _ = try? await transport.send(createRequest(standIn), onSent: {}) }
        for _ in 0..<100 { _ = try await transport.send(createRequest(standIn), onSent: {}) }
        try await Task.sleep(for: .milliseconds(300))
        let (fdsAfter, threadsAfter) = (Self.openDescriptors(), threads())
        // Other tests run in parallel and open their own; a leak would be one or more per exchange.
        #expect(fdsAfter - fdsBefore < 10, "\(fdsBefore) -> \(fdsAfter)")
        #expect(threadsAfter - threadsBefore < 10, "\(threadsBefore) -> \(threadsAfter)")
        let log = try await standIn.requests()
        #expect(log.count == 130)
        #expect(Set(log.suffix(100).compactMap { $0["connection"]?.intValue }).count == 1, "100 plain exchanges on one connection")
    }

    @Test("the transport's thread ends with it")
    func threadEnds() async throws {
        let standIn = try await StandIn()
        var threads: [DedicatedThread] = []
        do {
            let transports = (0..<4).map { _ in Self.transport() }
            for transport in transports {
                _ = try await transport.send(createRequest(standIn), onSent: {})
                threads.append(try #require(transport.driverThread))
            }
            #expect(threads.allSatisfy { !$0.isFinished })
        }
        for _ in 0..<50 where !threads.allSatisfy({ $0.isFinished }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(threads.allSatisfy { $0.isFinished })
        try await Task.sleep(for: .milliseconds(200))
        #expect((try await standIn.health()["openConnections"]?.intValue ?? 99) <= 1, "their connections were closed")
    }

    // MARK: TLS

    @Test("https with the CA file: verified and kept alive; a wrong CA fails in the handshake, nothing sent")
    func tlsCAFile() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let standIn = try await StandIn(["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey])
        let tlsURL = try #require(standIn.tlsURL)
        let good = Self.transport(tls: TLSSettings(caFile: certificates.caFile))
        for _ in 0..<3 { #expect(try await good.send(createRequest(tlsURL), onSent: {}).status == 200) }
        let log = try await standIn.requests()
        #expect(Set(log.compactMap { $0["connection"]?.intValue }).count == 1)

        let wrong = Self.transport(tls: TLSSettings(caFile: certificates.otherCAFile))
        let failure = await #expect(throws: TransportFailure.self) {
            _ = try await wrong.send(createRequest(tlsURL), onSent: {})
        }
        #expect(failure?.kind == .tlsHandshake, "\(String(describing: failure))")
        #expect(failure?.requestWritten == false)
        #expect(failure?.reason(host: "h:1", timeout: 30, operation: .create).hasSuffix("; nothing was sent") == true)
        // The system store does not know the test CA either.
        await #expect(throws: TransportFailure.self) {
            _ = try await Self.transport().send(createRequest(tlsURL), onSent: {})
        }
        #expect(try await standIn.requests().count == 3)
    }

    @Test("mutual TLS: the client certificate and key are presented; without them the handshake fails")
    func mutualTLS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let standIn = try await StandIn([
            "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
            "--tls-client-ca", certificates.caFile,
        ])
        let tlsURL = try #require(standIn.tlsURL)
        let withCertificate = Self.transport(
            tls: TLSSettings(
                caFile: certificates.caFile, clientCertificate: certificates.clientCertificate, clientKey: certificates.clientKey))
        #expect(try await withCertificate.send(createRequest(tlsURL), onSent: {}).status == 200)
        let without = Self.transport(tls: TLSSettings(caFile: certificates.caFile))
        await #expect(throws: TransportFailure.self) {
            _ = try await without.send(createRequest(tlsURL), onSent: {})
        }
        #expect(try await standIn.requests().count == 1)
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

    @Test(
        "failure reasons say what happened and whether the instance may have acted",
        arguments: [
            ReasonCase(
                failure: .failed(code: 7, osErrno: Int(ECONNREFUSED), message: nil, requestWritten: false), operation: .create,
                reason: "could not connect to h:1 (connection refused); nothing was sent", nothingSent: true, retryable: true),
            ReasonCase(
                failure: .failed(
                    code: 7, osErrno: Int(EHOSTUNREACH), message: "Failed to connect to h port 1 after 3 ms: No route to host",
                    requestWritten: false), operation: .create,
                reason: "could not connect to h:1 (Failed to connect to h port 1 after 3 ms: No route to host); nothing was sent",
                nothingSent: true, retryable: false),
            ReasonCase(
                failure: .failed(code: 6, osErrno: 0, message: "Could not resolve host: h", requestWritten: false), operation: .create,
                reason: "cannot find the host h:1 (DNS lookup failed); nothing was sent", nothingSent: true, retryable: false),
            ReasonCase(
                failure: .timedOut(requestWritten: true), operation: .create,
                reason: "no complete answer from h:1 within 30 s; the instance may have created the record; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .timedOut(requestWritten: false), operation: .create,
                reason: "could not send the request to h:1 within 30 s; nothing was sent", nothingSent: true, retryable: false),
            ReasonCase(
                failure: .failed(code: 28, osErrno: 0, message: nil, requestWritten: true), operation: .update,
                reason: "no complete answer from h:1 within 30 s; the instance may have applied the update; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .failed(code: 56, osErrno: 104, message: "Recv failure: Connection reset by peer", requestWritten: true),
                operation: .create,
                reason:
                    "the connection to h:1 was lost before a complete answer arrived (Recv failure: Connection reset by peer); the instance may have created the record; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .failed(code: 52, osErrno: 0, message: "Empty reply from server", requestWritten: true), operation: .update,
                reason:
                    "h:1 closed the connection without a valid HTTP answer (Empty reply from server); the instance may have applied the update; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .failed(code: 65, osErrno: 0, message: "seek callback returned error 1", requestWritten: true), operation: .create,
                reason:
                    "the connection to h:1 died after the request went out (seek callback returned error 1); the instance may have created the record; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .failed(
                    code: 35, osErrno: 0, message: "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number",
                    requestWritten: false), operation: .create,
                reason:
                    "the TLS connection to h:1 failed (OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number); nothing was sent",
                nothingSent: true, retryable: false),
            ReasonCase(
                failure: .failed(
                    code: 60, osErrno: 0, message: "SSL certificate problem: unable to get local issuer certificate", requestWritten: false),
                operation: .update,
                reason:
                    "the TLS connection to h:1 failed (SSL certificate problem: unable to get local issuer certificate); nothing was sent",
                nothingSent: true, retryable: false),
            ReasonCase(
                failure: .failed(code: 18, osErrno: 0, message: "transfer closed with 40 bytes remaining to read", requestWritten: true),
                operation: .create,
                reason:
                    "the answer from h:1 was cut short (transfer closed with 40 bytes remaining to read); the instance may have created the record; not retried",
                nothingSent: false, retryable: false),
            ReasonCase(
                failure: .failed(code: 99, osErrno: 0, message: nil, requestWritten: true), operation: .token,
                reason: "the HTTP request to h:1 failed (CURLcode 99); no interaction was sent", nothingSent: false, retryable: false),
            ReasonCase(
                failure: .libraryUnavailable("libcurl could not be loaded (tried libcurl.so.4: not found)"), operation: .create,
                reason: "libcurl could not be loaded (tried libcurl.so.4: not found)", nothingSent: true, retryable: false),
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
