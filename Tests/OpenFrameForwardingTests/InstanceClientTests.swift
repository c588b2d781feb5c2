import CCurl
import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

/// InstanceClient's decisions (retry, backoff, Retry-After, timeout, cancellation, token refresh,
/// queueing, scrubbing) against a scripted transport and a manual clock: what was sent, what was
/// waited for, what the caller was told. The real transport is proven by `TransportTests` and the
/// end-to-end runs of `InstanceClientIntegrationTests`.
@Suite("Instance client against a scripted transport", .timeLimit(.minutes(1)))
struct InstanceClientTests {
    typealias Step = ScriptedTransport.Step

    static let version = "9.9.9-test"
    static let sysId = "0123456789abcdef0123456789abcdef"
    let createPayload = try! JSONParser.parse(InstanceClientIntegrationTests.createText).root
    let updatePayload = try! JSONParser.parse(InstanceClientIntegrationTests.updateText).root

    /// A client for `https://dev1.service-now.com` on `transport`, with `clock`.
    struct Fixture {
        let client: InstanceClient
        let transport: ScriptedTransport
        let clock: ManualClock
        let progress = Recorder<ForwardingProgress>()
        let lines: Recorder<String>
        var host: String { client.configuration.hostLabel }

        func create(_ payload: JSONNode, apiVersion: String? = nil) async throws(ForwardingError) -> JSONObject {
            let progress = self.progress
            return try await client.create(payload: payload, apiVersion: apiVersion, progress: { progress.append($0) })
        }

        var retries: [(attempt: Int, reason: String, delay: Double)] {
            progress.values.compactMap { if case .retrying(let a, let r, let d) = $0 { (a, r, d) } else { nil } }
        }
    }

    func fixture(
        _ steps: [Step] = [], token: [Step] = [], otherwise: Step? = nil, auth: Authentication = .none,
        wire: WireFormat = .json, timeout: Double = 5, maxConcurrent: Int = 16, maxAttempts: Int = 3,
        autoAdvance: Bool = true, redacting secrets: [String] = []
    ) throws -> Fixture {
        let clock = ManualClock(autoAdvance: autoAdvance)
        let transport = ScriptedTransport(steps, token: token, otherwise: otherwise, clock: clock, secrets: secrets)
        let configuration = try InstanceConfiguration(
            instance: "dev1", version: Self.version, authentication: auth, wireFormat: wire, requestTimeout: timeout,
            maxConcurrentForwards: maxConcurrent, maxAttempts: maxAttempts, retryBaseDelay: 0.05)
        let lines = Recorder<String>()
        let client = InstanceClient(configuration: configuration, transport: transport, clock: clock, log: { lines.append($0) })
        return Fixture(client: client, transport: transport, clock: clock, lines: lines)
    }

    static let notAuthenticated = Step.serviceNowError(401, "User Not Authenticated", "Required to provide Auth information")

    // MARK: what is sent

    @Test("create: method, URL, headers (credentials exactly, nothing else), body; the result and progress")
    func create() async throws {
        let encoded = Data("integration:pa:ss wörd".utf8).base64EncodedString()
        let f = try fixture(
            [.created(sysId: Self.sysId)], auth: .basic(username: "integration", password: "pa:ss wörd"), redacting: [encoded])
        let result = try await f.create(createPayload)
        #expect(result == ["status": "SUCCESS", "sysId": .string(Self.sysId), "number": "IMS0000001"])
        #expect(f.progress.values == [.sending(host: f.host, attempt: 1), .waiting(host: f.host)])
        let sent = try #require(f.transport.sent.first)
        #expect(f.transport.sent.count == 1)
        #expect(sent.method == "POST")
        #expect(sent.url == "https://dev1.service-now.com/api/now/openframe/voice-interaction")
        #expect(sent.headers.map(\.name) == ["Accept", "Content-Type", "User-Agent", "Authorization"])
        #expect(sent.header("Accept") == "application/json" && sent.header("Content-Type") == "application/json")
        #expect(sent.header("User-Agent") == "openframe-rpc/\(Self.version)")
        #expect(sent.header("Authorization") == "Basic ***", "exactly base64(username:password), which the recording redacts")
        #expect(sent.body == InstanceClientIntegrationTests.createText)
        #expect(sent.timeout == 5)
        #expect(f.clock.requestedSleeps.isEmpty)
    }

    @Test("update: PATCH to the record's path; versioned paths")
    func updateAndVersions() async throws {
        let f = try fixture([.updated, .created(), .updated])
        #expect(
            try await f.client.update(sysId: Self.sysId, payload: updatePayload, apiVersion: nil, progress: { _ in }) == [
                "status": "SUCCESS"
            ])
        _ = try await f.create(createPayload, apiVersion: "v2")
        _ = try await f.client.update(sysId: Self.sysId, payload: updatePayload, apiVersion: "v1", progress: { _ in })
        let base = "https://dev1.service-now.com/api/now/openframe"
        #expect(
            f.transport.sent.map { "\($0.method) \($0.url)" } == [
                "PATCH \(base)/voice-interaction/\(Self.sysId)", "POST \(base)/v2/voice-interaction",
                "PATCH \(base)/v1/voice-interaction/\(Self.sysId)",
            ])
        #expect(f.transport.sent[0].body == InstanceClientIntegrationTests.updateText)
    }

    @Test("a bad apiVersion or sysId never reaches the transport")
    func badInputsNotSent() async throws {
        let f = try fixture()
        await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload, apiVersion: "v1/../../x") }
        await #expect(throws: ForwardingError.self) {
            _ = try await f.client.update(sysId: "../../../oauth_token.do?", payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        #expect(f.transport.sent.isEmpty)
    }

    // MARK: failures that are not retried

    @Test("wrong credentials: a 401 instance error, sent once")
    func wrongCredentials() async throws {
        let f = try fixture([Self.notAuthenticated], auth: .basic(username: "u", password: "wrong-password"))
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        #expect(error == .instance(httpStatus: 401, message: "User Not Authenticated", detail: "Required to provide Auth information"))
        #expect(f.transport.sent.count == 1)
    }

    @Test("500: an instance error, sent exactly once")
    func serverError() async throws {
        let f = try fixture([.serviceNowError(500, "Script error", "at line 3")])
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        #expect(error == .instance(httpStatus: 500, message: "Script error", detail: "at line 3"))
        #expect(f.transport.sent.count == 1)
    }

    @Test("answers that are not success: 202, result FAILURE, an HTML 502, a redirect; each sent once")
    func notSuccess() async throws {
        let f = try fixture([
            .json(202, #"{"result":{"status":"QUEUED"}}"#), .json(200, #"{"result":{"status":"FAILURE"}}"#),
            .respond(502, headers: ["Content-Type": "text/html"], body: "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            .respond(307, headers: ["Location": "https://elsewhere.example/steal"]),
        ])
        var errors: [ForwardingError?] = []
        for _ in 0..<4 {
            errors.append(await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) })
        }
        guard errors.count == 4, case .instance(202, _, _)? = errors[0], case .instance(200, let failure, _)? = errors[1],
            case .instance(502, let html, nil)? = errors[2], case .instance(307, let redirect, nil)? = errors[3]
        else {
            Issue.record("\(errors)"); return
        }
        #expect(failure.contains("FAILURE"))
        #expect(html == "HTTP 502 from the instance, with a body that is not a ServiceNow error: 502 Bad Gateway")
        #expect(redirect.contains("https://elsewhere.example/steal") && redirect.contains("not followed"))
        #expect(f.transport.sent.count == 4)
        #expect(f.clock.requestedSleeps.isEmpty)
    }

    @Test("no answer within the timeout: unreachable, may have acted, sent exactly once")
    func timeout() async throws {
        let f = try fixture([.hang], timeout: 0.5, autoAdvance: false)
        let task = Task { try await f.create(createPayload) }
        try await f.clock.waitForSleepers(1)
        #expect(f.transport.sent.first?.timeout == 0.5, "the configured timeout goes with the request")
        f.clock.advance(by: 0.5)
        guard case .failure(let error) = await result(of: task), case .unreachable(let reason, let mayHaveActed) = error as? ForwardingError
        else {
            Issue.record("expected unreachable"); return
        }
        #expect(reason == "no complete answer from \(f.host) within 0.5 s; the instance may have created the record; not retried")
        #expect(mayHaveActed)
        #expect(f.transport.sent.count == 1)
        #expect(f.progress.values == [.sending(host: f.host, attempt: 1), .waiting(host: f.host)])
    }

    @Test("the connection drops after the request went out: create and update not retried, may have acted")
    func droppedAfterSending() async throws {
        let drop = Step.fail(.failed(code: Int(CCURLE_GOT_NOTHING), osErrno: 0, message: "Empty reply from server", requestWritten: true))
        let cut = Step.fail(.failed(code: Int(CCURLE_PARTIAL_FILE), osErrno: 0, message: "transfer closed", requestWritten: true))
        let f = try fixture([drop, cut, drop])
        for _ in 0..<2 {
            let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
            guard case .unreachable(let reason, true)? = error else { Issue.record("\(String(describing: error))"); return }
            #expect(reason.hasSuffix("the instance may have created the record; not retried"))
        }
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await f.client.update(sysId: Self.sysId, payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        guard case .unreachable(let reason, true)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.hasSuffix("the instance may have applied the update; not retried"))
        #expect(f.transport.sent.count == 3)
        #expect(f.progress.values.filter { if case .waiting = $0 { true } else { false } }.count == 2)
    }

    @Test("a TLS failure: unreachable, nothing sent, not retried")
    func tlsFailure() async throws {
        let f = try fixture([
            .fail(.failed(code: Int(CCURLE_SSL_CONNECT_ERROR), osErrno: 0, message: "SSL connect error", requestWritten: false))
        ])
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        guard case .unreachable(let reason, false)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "the TLS connection to \(f.host) failed (SSL connect error); nothing was sent")
        #expect(f.retries.isEmpty && f.transport.sent.count == 1)
    }

    // MARK: retries

    @Test("429 with Retry-After seconds: the clock is asked for exactly that wait, and nothing is sent before it ends")
    func retryAfterSeconds() async throws {
        let f = try fixture(
            [.serviceNowError(429, "Rate limit exceeded", "Too many requests; retry later", headers: ["Retry-After": "1"]), .created()],
            autoAdvance: false)
        let task = Task { try await f.create(createPayload) }
        try await f.clock.waitForSleepers(1)
        #expect(f.clock.requestedSleeps == [1])
        f.clock.advance(by: 0.999)
        #expect(f.clock.sleeperCount == 1 && f.transport.sent.count == 1, "still waiting")
        f.clock.advance(by: 0.001)
        let result = try await result(of: task).get()
        #expect(result["status"] == "SUCCESS")
        #expect(f.transport.sent.count == 2)
        let h = f.host
        let values = f.progress.values
        #expect(values.count == 5)
        guard values.count == 5 else { return }
        #expect(Array(values[0...1]) == [.sending(host: h, attempt: 1), .waiting(host: h)])
        #expect(Array(values[3...4]) == [.sending(host: h, attempt: 2), .waiting(host: h)])
        guard case .retrying(2, let reason, let delay) = values[2] else { Issue.record("\(values[2])"); return }
        #expect(delay == 1)
        #expect(reason.contains("429") && reason.contains("Retry-After: 1"))
    }

    @Test("503 with Retry-After as an HTTP-date: the wait is measured on the clock's date")
    func retryAfterDate() async throws {
        let clockDate = ManualClock().date
        let f = try fixture([
            .serviceNowError(
                503, "Service Unavailable", nil, headers: ["Retry-After": HTTPDateFormatting.imf(clockDate.addingTimeInterval(30))]),
            .created(),
        ])
        #expect(try await f.create(createPayload)["status"] == "SUCCESS")
        #expect(f.clock.requestedSleeps == [30])
        #expect(f.retries.map(\.delay) == [30])
        #expect(f.transport.sent.count == 2)
    }

    @Test("Retry-After beyond maxRetryDelay is capped")
    func retryAfterCapped() async throws {
        let f = try fixture([.serviceNowError(429, "Rate limit exceeded", nil, headers: ["Retry-After": "3600"]), .created()])
        _ = try await f.create(createPayload)
        #expect(f.clock.requestedSleeps == [60])
    }

    @Test("429 every time: maxAttempts requests, backoff within its ceilings, then the instance's error")
    func retriesExhausted() async throws {
        let f = try fixture(otherwise: .serviceNowError(429, "Rate limit exceeded", "Too many requests; retry later"), maxAttempts: 3)
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        #expect(error == .instance(httpStatus: 429, message: "Rate limit exceeded", detail: "Too many requests; retry later"))
        #expect(f.transport.sent.count == 3)
        #expect(f.retries.map(\.attempt) == [2, 3])
        let waits = f.retries.map(\.delay)
        #expect(waits.count == 2 && waits[0] <= 0.05 && waits[1] <= 0.1 && waits.allSatisfy { $0 >= 0 })
        #expect(f.clock.requestedSleeps == waits.filter { $0 > 0 }, "the announced delays are the ones waited")
        #expect(f.retries.allSatisfy { $0.reason.contains("no Retry-After; backing off") })
    }

    @Test("connection refused: retried maxAttempts times with backoff, then unreachable, nothing sent")
    func connectionRefused() async throws {
        let f = try fixture(otherwise: .refused, maxAttempts: 3)
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        let h = f.host
        let values = f.progress.values
        #expect(
            values.filter { if case .sending = $0 { true } else { false } } == [
                .sending(host: h, attempt: 1), .sending(host: h, attempt: 2), .sending(host: h, attempt: 3),
            ])
        #expect(!values.contains(.waiting(host: h)), "nothing was sent")
        #expect(f.retries.map(\.attempt) == [2, 3])
        #expect(f.retries.allSatisfy { $0.reason.contains("nothing was sent") && $0.delay >= 0 && $0.delay <= 0.1 })
        #expect(f.clock.requestedSleeps == f.retries.map(\.delay).filter { $0 > 0 })
        guard case .unreachable(let reason, false)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "could not connect to \(h) (Couldn't connect to server); nothing was sent; gave up after 3 attempts")
    }

    @Test("refused, then answered: the retry succeeds")
    func refusedThenAnswered() async throws {
        let f = try fixture([.refused, .created()])
        #expect(try await f.create(createPayload)["status"] == "SUCCESS")
        #expect(f.transport.sent.count == 2 && f.retries.count == 1)
    }

    // MARK: OAuth

    @Test("OAuth: a 401 refreshes the token and re-sends once, without a wait or an attempt used")
    func oauthRefreshOn401() async throws {
        let f = try fixture(
            [.created(), Self.notAuthenticated, .created()], token: [.token("tok-1"), .token("tok-2")],
            auth: .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")), maxAttempts: 1)
        _ = try await f.create(createPayload)
        let result = try await f.create(createPayload)
        #expect(result["status"] == "SUCCESS")
        #expect(
            f.transport.sent.map { $0.isToken ? "token" : $0.header("Authorization") ?? "-" } == [
                "token", "Bearer tok-1", "Bearer tok-1", "token", "Bearer tok-2",
            ])
        #expect(f.retries.count == 1 && f.retries.first?.delay == 0)
        #expect(f.client.tokenFetchCount == 2)
        #expect(f.clock.requestedSleeps.isEmpty)
    }

    @Test("OAuth: a 401 right after a fresh token is reported, not re-sent again")
    func oauth401Twice() async throws {
        let f = try fixture(
            [Self.notAuthenticated, Self.notAuthenticated], token: [.token("tok-1"), .token("tok-2")],
            auth: .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")))
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        #expect(error == .instance(httpStatus: 401, message: "User Not Authenticated", detail: "Required to provide Auth information"))
        #expect(f.transport.sent.map { $0.isToken ? "token" : "create" } == ["token", "create", "token", "create"])
    }

    @Test("OAuth: the token is refreshed shortly before it expires, on the clock; password grant uses its refresh token")
    func oauthProactiveRefresh() async throws {
        let f = try fixture(
            [.created(), .created(), .created()], token: [.token("tok-1", expiresIn: 100, refreshToken: "ref-1"), .token("tok-2")],
            auth: .oauth(
                OAuthSettings(clientID: "cid", clientSecret: "csecret", grant: .password(username: "agent", password: "agent-pw"))),
            autoAdvance: false)
        _ = try await f.create(createPayload)
        f.clock.advance(by: 89.9)  // expires_in 100, refreshed 10 % (10 s) early
        _ = try await f.create(createPayload)
        #expect(f.client.tokenFetchCount == 1, "still valid")
        f.clock.advance(by: 0.2)
        _ = try await f.create(createPayload)
        #expect(
            f.transport.sent.map { $0.isToken ? "token" : $0.header("Authorization") ?? "-" } == [
                "token", "Bearer tok-1", "Bearer tok-1", "token", "Bearer tok-2",
            ])
        #expect(
            f.transport.tokenRequests.map(\.body) == [
                "grant_type=password&client_id=cid&client_secret=csecret&username=agent&password=agent-pw",
                "grant_type=refresh_token&client_id=cid&client_secret=csecret&refresh_token=ref-1",
            ])
        #expect(f.transport.tokenRequests.first?.header("Content-Type") == "application/x-www-form-urlencoded")
    }

    @Test("OAuth: a refused token request is an instance error; the interaction is not sent")
    func oauthRefused() async throws {
        let refusal = Step.json(401, #"{"error":"access_denied","error_description":"invalid client_id or client_secret"}"#)
        let f = try fixture(token: [refusal], auth: .oauth(OAuthSettings(clientID: "cid", clientSecret: "wrong-secret")))
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        guard case .instance(401, let message, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("OAuth token request") && message.contains("invalid client_id or client_secret"))
        #expect(!message.contains("wrong-secret"))
        #expect(f.transport.sent.map(\.isToken) == [true])
    }

    @Test("OAuth token endpoint refusing connections: retried like any refused connection, the interaction never sent")
    func oauthConnectionRefused() async throws {
        let f = try fixture(otherwise: .refused, auth: .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")), maxAttempts: 2)
        let error = await #expect(throws: ForwardingError.self) { _ = try await f.create(createPayload) }
        guard case .unreachable(let reason, false)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "while getting an OAuth token: could not connect to \(f.host) (Couldn't connect to server); nothing was sent")
        #expect(f.retries.count == 1 && f.clock.requestedSleeps.count <= 1)
        #expect(!f.progress.values.contains { if case .sending = $0 { true } else { false } })
        #expect(f.client.tokenFetchCount == 2)
        #expect(f.transport.apiRequests.isEmpty)
    }

    // MARK: cancellation

    @Test("cancellation mid-request stops it, with no time passing")
    func cancelMidRequest() async throws {
        let f = try fixture([.hang], timeout: 10, autoAdvance: false)
        let task = Task { try await f.create(createPayload) }
        try await f.clock.waitForSleepers(1)
        #expect(f.client.load.inUse == 1)
        task.cancel()
        guard case .failure(let error) = await result(of: task) else { Issue.record("expected a failure"); return }
        #expect(error as? ForwardingError == .cancelled)
        #expect(f.client.load.inUse == 0)
        #expect(f.clock.elapsedSeconds == 0)
        #expect(f.transport.sent.count == 1)
    }

    @Test("cancellation during a retry wait stops it, with no time passing and nothing re-sent")
    func cancelDuringRetryWait() async throws {
        let f = try fixture(
            [.serviceNowError(503, "Service Unavailable", nil, headers: ["Retry-After": "30"])], otherwise: .created(), autoAdvance: false)
        let task = Task { try await f.create(createPayload) }
        try await f.clock.waitForSleepers(1)
        #expect(f.clock.requestedSleeps == [30])
        task.cancel()
        guard case .failure(let error) = await result(of: task) else { Issue.record("expected a failure"); return }
        #expect(error as? ForwardingError == .cancelled)
        #expect(f.transport.sent.count == 1)
        #expect(f.clock.elapsedSeconds == 0)
        #expect(f.client.load.inUse == 0)
    }

    // MARK: concurrency limit

    @Test("20 concurrent creates with maxConcurrentForwards 4: never more than 4 at the transport, the rest queue in order")
    func concurrencyLimit() async throws {
        let f = try fixture(otherwise: .created(after: 1), maxConcurrent: 4, autoAdvance: false)
        let queued = Recorder<Int>()
        let payload = createPayload
        let client = f.client
        let tasks = (0..<20).map { _ in
            Task {
                try await client.create(payload: payload, apiVersion: nil, progress: { if case .queued(let p) = $0 { queued.append(p) } })
            }
        }
        try await waitUntil(timeout: .seconds(30)) { f.client.load.inUse == 4 && f.client.load.waiting == 16 && f.clock.sleeperCount == 4 }
        #expect(queued.values.sorted() == Array(1...16), "each waiter told its place")
        var rounds = 0
        while f.transport.sent.count < 20 || f.clock.sleeperCount > 0 {
            let expected = min(4, 20 - rounds * 4)
            try await waitUntil(timeout: .seconds(30)) { f.clock.sleeperCount == expected }
            #expect(f.transport.inFlight == expected)
            f.clock.advance(by: 1)
            rounds += 1
            if rounds > 5 { Issue.record("more rounds than 20 / 4"); break }
        }
        for task in tasks { #expect(try await result(of: task).get()["status"] == "SUCCESS") }
        #expect(rounds == 5)
        #expect(f.transport.peakInFlight == 4)
        #expect(f.transport.sent.count == 20)
        #expect(f.client.load.inUse == 0 && f.client.load.waiting == 0)
    }

    // MARK: secrets

    @Test("secrets never appear in errors, progress reasons or log lines")
    func noSecretsAnywhere() async throws {
        let secret = "csecret-\(UUID().uuidString)"
        let token1 = "tok-\(UUID().uuidString)", token2 = "tok-\(UUID().uuidString)"
        let f = try fixture(
            [
                .created(),
                // An instance that echoes credentials back in its error texts, a 401 (token refresh), a 503 with a
                // reason, an HTML page quoting the secret and the old token, and a timeout.
                .serviceNowError(500, "bad client secret \(secret)", "token \(token1)"),
                Self.notAuthenticated,
                .serviceNowError(503, "Service Unavailable \(token2)", nil, headers: ["Retry-After": "0"]),
                .respond(
                    502, headers: ["Content-Type": "text/html"],
                    body: "<html><body>secret=\(secret) token=\(token1) \(token2)</body></html>"),
                .hang,
            ],
            token: [.token(token1), .token(token2)], auth: .oauth(OAuthSettings(clientID: "cid", clientSecret: secret)), timeout: 0.5)
        var errors: [ForwardingError] = []
        for _ in 0..<4 {
            do { _ = try await f.create(createPayload) } catch { errors.append(error) }
        }
        #expect(errors.count == 3)
        #expect(f.transport.remainingSteps == 0)
        let everything = errors.map { "\($0)" } + f.progress.values.map { "\($0)" } + f.lines.values
        #expect(f.lines.values.count >= 6)
        for text in everything {
            #expect(!text.contains(secret), "\(text)")
            #expect(!text.contains(token1) && !text.contains(token2), "\(text)")
        }
        #expect(errors.first == .instance(httpStatus: 500, message: "bad client secret ***", detail: "token ***"))
    }

    @Test("Basic: an instance echoing the Authorization header gets base64(username:password) scrubbed too")
    func echoedBasicAuthorization() async throws {
        let username = "integration.user", password = "Pa55-word!"
        let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
        let f = try fixture(
            [
                .serviceNowError(500, "Login failed", "Authorization: Basic \(encoded)"),
                .respond(
                    502, headers: ["Content-Type": "text/html"],
                    body: "<html><body><h1>502</h1><p>upstream refused Authorization: Basic \(encoded)</p></body></html>"),
            ],
            auth: .basic(username: username, password: password), maxAttempts: 1)
        var errors: [ForwardingError] = []
        for _ in 0..<2 {
            do { _ = try await f.create(createPayload) } catch { errors.append(error) }
        }
        #expect(errors.count == 2)
        for text in errors.map({ "\($0)" }) + f.lines.values {
            #expect(!text.contains(encoded) && !text.contains(password), "\(text)")
        }
        #expect(errors.first == .instance(httpStatus: 500, message: "Login failed", detail: "Authorization: Basic ***"))
    }
}
