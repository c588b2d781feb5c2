import Foundation
import Testing
import JSON
import TestSupport
@testable import OpenFrameForwarding

/// InstanceClient against the Python stand-in: what the instance received, and what the
/// client made of each answer and fault.
@Suite("Instance client against the stand-in", .serialized, .timeLimit(.minutes(1)))
struct InstanceClientIntegrationTests {
    static let version = "9.9.9-test"
    static let createText = #"{"interaction":{"userPhoneNumber":"+14155550100","clientSessionId":"call-1","additionalParams":{"direction":"inbound","priority":2,"vip":true}},"interactionContext":{"devicetype":"genesys"},"phoneLogs":[{"call_id":"2323223","start_time":"2024-11-04 21:45:00"}],"relatedRecords":[{"documentTable":"sys_user","documentId":"62826bf03710200044e0bfc8bcbe5df1"}]}"#
    static let updateText = #"{"interaction":{"additionalParams":{"short_description":"Call ended"}},"phoneLogs":[{"call_id":"33535353"}]}"#

    let createPayload = try! JSONParser.parse(Self.createText).root
    let updatePayload = try! JSONParser.parse(Self.updateText).root

    func client(_ standIn: StandIn, _ auth: Authentication = .none, wire: WireFormat = .json, timeout: Double = 5,
                maxConcurrent: Int = 16, maxAttempts: Int = 3, baseURL: String? = nil, log: InstanceClient.LogSink? = nil) throws -> InstanceClient {
        let configuration = try InstanceConfiguration(
            instance: baseURL ?? standIn.url, version: Self.version, authentication: auth, wireFormat: wire,
            requestTimeout: timeout, maxConcurrentForwards: maxConcurrent, maxAttempts: maxAttempts, retryBaseDelay: 0.05)
        return InstanceClient(configuration: configuration, log: log)
    }

    func host(_ standIn: StandIn) -> String { "127.0.0.1:\(standIn.port)" }

    // MARK: round trips

    @Test("create: what the instance received, and the result")
    func createRoundTrip() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "integration", "--password", "pa:ss wörd"])
        let client = try client(standIn, .basic(username: "integration", password: "pa:ss wörd"))
        let progress = Recorder<ForwardingProgress>()
        let first = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        let second = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })

        #expect(first["status"] == "SUCCESS")
        #expect(first["number"] == "IMS0000001")
        #expect(second["number"] == "IMS0000002")
        let sysId = try #require(first["sysId"]?.stringValue)
        #expect(sysId.count == 32)
        #expect(progress.values == [.sending(host: host(standIn), attempt: 1), .waiting(host: host(standIn))])

        let log = try await standIn.requests()
        #expect(log.count == 2)
        for entry in log {
            #expect(entry["method"] == "POST")
            #expect(entry["path"] == "/api/now/openframe/voice-interaction")
            #expect(entry["query"] == "")
            #expect(entry["outcome"] == "answered")
            #expect(entry["authFailure"] == .null)
            #expect(entry.header("Accept") == "application/json")
            #expect(entry.header("Content-Type") == "application/json")
            #expect(entry.header("User-Agent") == "openframe-rpc/\(Self.version)")
            #expect(entry.header("Authorization") == "Basic " + Data("integration:pa:ss wörd".utf8).base64EncodedString())
            #expect(entry.header("Connection") == nil, "connections are kept")
            #expect(entry.header("Accept-Encoding") == "identity")
            #expect(entry.header("Cookie") == nil, "the stand-in set cookies on the first answer; none may come back")
            #expect(entry["body"]?.stringValue == Self.createText)
        }
        #expect(log.map { $0["requestOnConnection"] } == [1, 2], "the second create reused the first one's connection")
        #expect(log[0]["response"]?.header("Set-Cookie") != nil, "the stand-in did offer cookies")
        let record = try #require(try await standIn.records()[sysId])
        #expect(record["createPayload"] == createPayload.value)
    }

    @Test("update: PATCH to the record's path; the instance merged it")
    func updateRoundTrip() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn)
        let created = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        let sysId = try #require(created["sysId"]?.stringValue)
        let updated = try await client.update(sysId: sysId, payload: updatePayload, apiVersion: nil, progress: { _ in })
        #expect(updated == ["status": "SUCCESS"])

        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(log[1]["method"] == "PATCH")
        #expect(log[1]["path"]?.stringValue == "/api/now/openframe/voice-interaction/\(sysId)")
        #expect(log[1]["body"]?.stringValue == Self.updateText)
        #expect(log[1].header("Content-Type") == "application/json")
        let record = try #require(try await standIn.records()[sysId])
        #expect(record["updatePayloads"]?.arrayValue?.count == 1)
        #expect(record["current"]?["interaction"]?["additionalParams"]?["short_description"] == "Call ended")
        #expect(record["current"]?["phoneLogs"]?.arrayValue?.count == 2)
    }

    @Test("versioned paths")
    func versioned() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn)
        let created = try await client.create(payload: createPayload, apiVersion: "v2", progress: { _ in })
        let sysId = try #require(created["sysId"]?.stringValue)
        _ = try await client.update(sysId: sysId, payload: updatePayload, apiVersion: "v1", progress: { _ in })
        let log = try await standIn.requests()
        #expect(log.map { $0["path"]?.stringValue } == [
            "/api/now/openframe/v2/voice-interaction", "/api/now/openframe/v1/voice-interaction/\(sysId)",
        ])
        #expect(log.map { $0["apiVersion"] } == ["v2", "v1"])
    }

    @Test("a bad apiVersion or sysId never reaches the instance")
    func badInputsNotSent() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn)
        await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: "v1/../../x", progress: { _ in })
        }
        await #expect(throws: ForwardingError.self) {
            _ = try await client.update(sysId: "../../../oauth_token.do?", payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        #expect(try await standIn.requests().isEmpty)
    }

    // MARK: auth modes

    @Test("bearer, API key and none: the right header and nothing else")
    func otherAuthModes() async throws {
        let bearer = try await StandIn(["--auth", "bearer", "--token", "bearer-token-123"])
        _ = try await client(bearer, .bearer(token: "bearer-token-123")).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        let bearerEntry = try #require(try await bearer.requests().first)
        #expect(bearerEntry.header("Authorization") == "Bearer bearer-token-123")
        #expect(bearerEntry.header("x-sn-apikey") == nil)

        let apiKey = try await StandIn(["--auth", "apikey", "--api-key", "now-key-456"])
        _ = try await client(apiKey, .apiKey("now-key-456")).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        let keyEntry = try #require(try await apiKey.requests().first)
        #expect(keyEntry.header("x-sn-apikey") == "now-key-456")
        #expect(keyEntry.header("Authorization") == nil)

        let open = try await StandIn()
        _ = try await client(open).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        let openEntry = try #require(try await open.requests().first)
        #expect(openEntry.header("Authorization") == nil && openEntry.header("x-sn-apikey") == nil)
    }

    @Test("wrong credentials: a 401 instance error, not retried, no secret in it")
    func wrongCredentials() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", "u", "--password", "right-password"])
        let client = try client(standIn, .basic(username: "u", password: "wrong-password"))
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        #expect(error == .instance(httpStatus: 401, message: "User Not Authenticated", detail: "Required to provide Auth information"))
        let log = try await standIn.requests()
        #expect(log.count == 1)
        #expect(log.first?["authFailure"] == "wrong username or password")
    }

    @Test("OAuth client credentials: one token fetch shared by concurrent creates, form-encoded properly")
    func oauthClientCredentials() async throws {
        let secret = "s3c+r&t=%/é"
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "client-1", "--client-secret", secret])
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "client-1", clientSecret: secret)))
        try await withThrowingTaskGroup(of: JSONObject.self) { group in
            for _ in 0..<8 {
                group.addTask { try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in }) }
            }
            for try await result in group { #expect(result["status"] == "SUCCESS") }
        }
        #expect(client.tokenFetchCount == 1)
        let log = try await standIn.requests()
        let tokenRequests = log.filter { $0["operation"] == "token" }
        #expect(tokenRequests.count == 1)
        let tokenRequest = try #require(tokenRequests.first)
        #expect(tokenRequest["path"] == "/oauth_token.do")
        #expect(tokenRequest.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(tokenRequest["body"]?.stringValue == "grant_type=client_credentials&client_id=client-1&client_secret=s3c%2Br%26t%3D%25%2F%C3%A9")
        let tokenAnswer = try #require(tokenRequest["response"]?["body"]?.stringValue)
        let token = try #require(try JSONParser.parse(tokenAnswer).root["access_token"]?.stringValue)
        let creates = log.filter { $0["operation"] == "create" }
        #expect(creates.count == 8)
        #expect(creates.allSatisfy { $0.header("Authorization") == "Bearer \(token)" && $0["authFailure"] == .null })
    }

    @Test("OAuth: a 401 refreshes the token and re-sends once")
    func oauthRefreshOn401() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "csecret"])
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")))
        _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        try await standIn.control("POST", "/tokens/expire")
        let progress = Recorder<ForwardingProgress>()
        let result = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        #expect(result["status"] == "SUCCESS")
        let operations = try await standIn.requests().map { $0["operation"]?.stringValue ?? "?" }
        #expect(operations == ["token", "create", "create", "token", "create"])
        let retries = progress.values.filter { if case .retrying = $0 { true } else { false } }
        #expect(retries.count == 1)
        if case .retrying(let attempt, let reason, let delay)? = retries.first {
            #expect(attempt == 2 && delay == 0)
            #expect(reason.contains("401"))
        }
        #expect(try await standIn.records().count == 2)
    }

    @Test("OAuth: a 401 right after a fresh token is reported, not re-sent again")
    func oauth401Twice() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "csecret"])
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")))
        try await standIn.addFaults(#"{"status": 401, "times": 2, "match": {"operation": "create"}}"#)
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        #expect(error == .instance(httpStatus: 401, message: "User Not Authenticated", detail: "Required to provide Auth information"))
        let operations = try await standIn.requests().map { $0["operation"]?.stringValue ?? "?" }
        #expect(operations == ["token", "create", "token", "create"])
    }

    @Test("OAuth: the token is refreshed shortly before it expires (tiny ttl); password grant uses its refresh token")
    func oauthProactiveRefresh() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "csecret",
                                         "--username", "agent", "--password", "agent-pw", "--token-ttl", "1"])
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret", grant: .password(username: "agent", password: "agent-pw"))))
        _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        try await Task.sleep(for: .milliseconds(1000))
        _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        let log = try await standIn.requests()
        #expect(log.map { $0["operation"]?.stringValue ?? "?" } == ["token", "create", "token", "create"])
        #expect(log.allSatisfy { $0["authFailure"] == .null }, "no 401: refreshed before expiry")
        let grants = log.filter { $0["operation"] == "token" }.compactMap { $0["body"]?.stringValue?.split(separator: "&").first.map(String.init) }
        #expect(grants == ["grant_type=password", "grant_type=refresh_token"])
        #expect(log[0]["body"]?.stringValue?.contains("username=agent&password=agent-pw") == true)
    }

    @Test("OAuth: a refused token request is an instance error; the interaction is not sent")
    func oauthRefused() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "right-secret"])
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: "wrong-secret")))
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        guard case .instance(401, let message, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("OAuth token request"))
        #expect(message.contains("invalid client_id or client_secret"))
        #expect(!message.contains("wrong-secret"))
        #expect(try await standIn.requests().map { $0["operation"]?.stringValue ?? "?" } == ["token"])
    }

    // MARK: XML

    @Test("XML both ways: the body in ServiceNow XML, the answer read from XML")
    func xmlRoundTrip() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn, wire: .xml)
        let created = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        #expect(created["status"] == "SUCCESS")
        let sysId = try #require(created["sysId"]?.stringValue)
        #expect(created["number"] == "IMS0000001")
        _ = try await client.update(sysId: sysId, payload: updatePayload, apiVersion: nil, progress: { _ in })

        let log = try await standIn.requests()
        #expect(log.allSatisfy { $0.header("Content-Type") == "application/xml" && $0.header("Accept") == "application/xml" })
        #expect(log[0]["body"]?.stringValue?.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><request><interaction><userPhoneNumber>+14155550100</userPhoneNumber>"#) == true)
        #expect(log[0]["response"]?.header("Content-Type")?.hasPrefix("application/xml") == true)
        let record = try #require(try await standIn.records()[sysId])
        #expect(record["format"] == "xml")
        // XML carries strings only: numbers and booleans come back as their text.
        #expect(record["createPayload"]?["interaction"]?["additionalParams"] == ["direction": "inbound", "priority": "2", "vip": "true"])
        #expect(record["createPayload"]?["phoneLogs"] == [["call_id": "2323223", "start_time": "2024-11-04 21:45:00"]])
        #expect(record["updatePayloads"]?.arrayValue?.first?["format"] == "xml")

        // An XML error answer.
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.update(sysId: String(repeating: "a", count: 32), payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        #expect(error == .instance(httpStatus: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval"))
    }

    // MARK: failures that are not retried

    @Test("500: an instance error, sent exactly once")
    func serverError() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 500, "error": {"message": "Script error", "detail": "at line 3"}}"#)
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client(standIn).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        #expect(error == .instance(httpStatus: 500, message: "Script error", detail: "at line 3"))
        #expect(try await standIn.requests().count == 1)
    }

    @Test("answers that are not success: 202, result FAILURE, an HTML 502, a redirect; each sent once")
    func notSuccess() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn)
        let faults = [
            #"{"status": 202}"#, #"{"resultStatus": "FAILURE"}"#, #"{"html": true}"#,
            #"{"status": 307, "headers": {"Location": "https://elsewhere.example/steal"}}"#,
        ]
        var errors: [ForwardingError?] = []
        for fault in faults {
            try await standIn.addFaults(fault)
            errors.append(await #expect(throws: ForwardingError.self) {
                _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
            })
        }
        guard errors.count == 4, case .instance(202, _, _)? = errors[0], case .instance(200, let failure, _)? = errors[1],
              case .instance(502, let html, nil)? = errors[2], case .instance(307, let redirect, nil)? = errors[3] else {
            Issue.record("\(errors)"); return
        }
        #expect(failure.contains("FAILURE"))
        #expect(html == "HTTP 502 from the instance, with a body that is not a ServiceNow error: 502 Bad Gateway")
        #expect(redirect.contains("https://elsewhere.example/steal") && redirect.contains("not followed"))
        #expect(try await standIn.requests().count == 4)
        #expect(try await standIn.records().isEmpty)
    }

    @Test("a slow answer times out: unreachable, may have acted, sent exactly once")
    func timeout() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 3}"#)
        let client = try client(standIn, timeout: 0.5)
        let started = ContinuousClock.now
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "no complete answer from \(host(standIn)) within 0.5 s; the instance may have created the record; not retried")
        #expect(try await standIn.requests().count == 1)
    }

    @Test("the connection drops after the record was stored: unreachable, exactly one record, no resend")
    func droppedAfterStore() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn)
        let first = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        try await standIn.addFaults(#"{"drop": "after_store"}"#)
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("the instance may have created the record; not retried"))
        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(log.map { $0["outcome"]?.stringValue } == ["answered", "dropped_after_store"])
        let records = try await standIn.records()
        #expect(records.count == 2, "the first create and the one the instance stored before dropping; never a third")
        #expect(records[first["sysId"]?.stringValue ?? ""] != nil)

        // The same for an update: one phone-log merge, not two.
        let sysId = try #require(first["sysId"]?.stringValue)
        try await standIn.addFaults(#"{"drop": "after_store"}"#)
        let updateError = await #expect(throws: ForwardingError.self) {
            _ = try await client.update(sysId: sysId, payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        guard case .unreachable(let updateReason, _)? = updateError else { Issue.record("\(String(describing: updateError))"); return }
        #expect(updateReason.contains("the instance may have applied the update; not retried"))
        #expect(try await standIn.records()[sysId]?["updatePayloads"]?.arrayValue?.count == 1)
        #expect(try await standIn.requests().count == 3)
    }

    @Test("the connection drops mid-answer: unreachable, not retried")
    func droppedMidBody() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"drop": "mid_body"}"#)
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client(standIn).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("may have created the record"))
        #expect(try await standIn.requests().count == 1)
    }

    // MARK: retries

    @Test("429 with Retry-After seconds: retried after the delay, then success")
    func retryAfterSeconds() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 429, "retryAfter": "1"}"#)
        let progress = Recorder<ForwardingProgress>()
        let started = ContinuousClock.now
        let result = try await client(standIn).create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        let elapsed = ContinuousClock.now - started
        #expect(result["status"] == "SUCCESS")
        #expect(elapsed >= .milliseconds(950))
        #expect(elapsed < .seconds(8), "not a misread Retry-After")
        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(try await standIn.records().count == 1)
        let h = host(standIn)
        let values = progress.values
        #expect(values.count == 5)
        guard values.count == 5 else { return }
        #expect(Array(values[0...1]) == [.sending(host: h, attempt: 1), .waiting(host: h)])
        #expect(Array(values[3...4]) == [.sending(host: h, attempt: 2), .waiting(host: h)])
        guard case .retrying(2, let reason, let delay) = values[2] else { Issue.record("\(values[2])"); return }
        #expect(delay == 1)
        #expect(reason.contains("429") && reason.contains("Retry-After: 1"))
    }

    @Test("503 with Retry-After as an HTTP-date: retried, then success")
    func retryAfterDate() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 503, "retryAfterDateIn": 1}"#)
        let progress = Recorder<ForwardingProgress>()
        let result = try await client(standIn).create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        #expect(result["status"] == "SUCCESS")
        #expect(try await standIn.requests().count == 2)
        let delays = progress.values.compactMap { if case .retrying(_, _, let delay) = $0 { delay } else { nil } }
        #expect(delays.count == 1)
        #expect(delays.allSatisfy { $0 >= 0 && $0 <= 2 })
    }

    @Test("429 every time: maxAttempts requests, then the instance's error")
    func retriesExhausted() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 429, "times": -1}"#)
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client(standIn, maxAttempts: 3).create(payload: createPayload, apiVersion: nil, progress: { _ in })
        }
        #expect(error == .instance(httpStatus: 429, message: "Rate limit exceeded", detail: "Too many requests; retry later"))
        #expect(try await standIn.requests().count == 3)
    }

    @Test("connection refused: retried maxAttempts times with backoff, then unreachable")
    func connectionRefused() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let client = try client(standIn, maxAttempts: 3, baseURL: "http://127.0.0.1:\(port)")
        let progress = Recorder<ForwardingProgress>()
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        }
        let h = "127.0.0.1:\(port)"
        let values = progress.values
        #expect(values.filter { if case .sending = $0 { true } else { false } } == [
            .sending(host: h, attempt: 1), .sending(host: h, attempt: 2), .sending(host: h, attempt: 3),
        ])
        #expect(!values.contains(.waiting(host: h)), "nothing was sent")
        let retries = values.compactMap { if case .retrying(let attempt, let reason, let delay) = $0 { (attempt, reason, delay) } else { nil } }
        #expect(retries.map(\.0) == [2, 3])
        #expect(retries.allSatisfy { $0.1.contains("nothing was sent") && $0.2 >= 0 && $0.2 <= 0.1 })
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.hasPrefix("could not connect to \(h)"))
        #expect(reason.contains("nothing was sent") && reason.contains("3 attempts"))
    }

    @Test("OAuth token endpoint refusing connections: retried like any refused connection, nothing sent")
    func oauthConnectionRefused() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: "csecret")), maxAttempts: 2, baseURL: "http://127.0.0.1:\(port)")
        let progress = Recorder<ForwardingProgress>()
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        }
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "while getting an OAuth token: could not connect to 127.0.0.1:\(port) (Failed to connect to 127.0.0.1 port \(port) after 0 ms: Couldn't connect to server); nothing was sent"
            || reason.hasPrefix("while getting an OAuth token: could not connect to 127.0.0.1:\(port)"))
        #expect(reason.hasSuffix("nothing was sent"))
        #expect(progress.values.filter { if case .retrying = $0 { true } else { false } }.count == 1)
        #expect(!progress.values.contains { if case .sending = $0 { true } else { false } }, "the interaction itself was never sent")
        #expect(client.tokenFetchCount == 2)
    }

    @Test("TLS to a server that does not speak it: unreachable, a TLS failure, not retried")
    func tlsFailure() async throws {
        let standIn = try await StandIn()
        let client = try client(standIn, baseURL: "https://127.0.0.1:\(standIn.port)")
        let progress = Recorder<ForwardingProgress>()
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        }
        guard case .unreachable(let reason, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.hasPrefix("the TLS connection to 127.0.0.1:\(standIn.port) failed"), "\(reason)")
        #expect(reason.hasSuffix("nothing was sent"))
        #expect(!progress.values.contains { if case .retrying = $0 { true } else { false } })
        #expect(try await standIn.requests().allSatisfy { $0["operation"] == "malformed" }, "no create ever reached the stand-in")
    }

    // MARK: cancellation

    @Test("cancellation mid-request stops it promptly")
    func cancelMidRequest() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 5}"#)
        let client = try client(standIn, timeout: 10)
        let payload = createPayload
        let task = Task { try await client.create(payload: payload, apiVersion: nil, progress: { _ in }) }
        try await waitUntil { client.load.inUse == 1 }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(1))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error as? ForwardingError == .cancelled)
        #expect(client.load.inUse == 0)
    }

    @Test("cancellation during a retry wait stops it promptly")
    func cancelDuringRetryWait() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"status": 503, "retryAfter": "30"}"#)
        let client = try client(standIn)
        let payload = createPayload
        let retrying = Flag()
        let task = Task {
            try await client.create(payload: payload, apiVersion: nil, progress: { if case .retrying = $0 { retrying.set() } })
        }
        try await waitUntil { retrying.isSet }
        let started = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(1))
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error as? ForwardingError == .cancelled)
        #expect(try await standIn.requests().count == 1)
    }

    // MARK: concurrency limit

    @Test("20 concurrent creates with maxConcurrentForwards 4 never exceed 4 in flight at the instance")
    func concurrencyLimit() async throws {
        let standIn = try await StandIn()
        try await standIn.addFaults(#"{"delay": 0.25, "times": -1}"#)
        let client = try client(standIn, maxConcurrent: 4)
        let payload = createPayload
        let queued = Recorder<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let result = try await client.create(payload: payload, apiVersion: nil, progress: {
                        if case .queued(let position) = $0 { queued.append(position) }
                    })
                    #expect(result["status"] == "SUCCESS")
                }
            }
            try await group.waitForAll()
        }
        let log = try await standIn.requests()
        #expect(log.count == 20)
        // Sweep over [start, start + duration] of every request the stand-in served.
        var events: [(Double, Int)] = []
        for entry in log {
            let start = try #require(entry["epoch"]?.doubleValue)
            let duration = try #require(entry["durationMs"]?.doubleValue) / 1000
            events.append((start, 1))
            events.append((start + duration, -1))
        }
        events.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var inFlight = 0, peak = 0
        for event in events { inFlight += event.1; peak = max(peak, inFlight) }
        #expect(peak <= 4)
        #expect(peak >= 3, "the limit was actually used")
        #expect(queued.values.count >= 12, "at least 16 of 20 had to queue: \(queued.values)")
        #expect(try await standIn.records().count == 20)
    }

    // MARK: secrets

    @Test("secrets never appear in errors, progress reasons or log lines")
    func noSecretsAnywhere() async throws {
        let secret = "csecret-\(UUID().uuidString)"
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", secret])
        let lines = Recorder<String>()
        let client = try client(standIn, .oauth(OAuthSettings(clientID: "cid", clientSecret: secret)), timeout: 0.5, log: { lines.append($0) })
        let progress = Recorder<ForwardingProgress>()
        var errors: [ForwardingError] = []

        _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
        let tokenAnswer = try #require(try await standIn.requests().first?["response"]?["body"]?.stringValue)
        let token = try #require(try JSONParser.parse(tokenAnswer).root["access_token"]?.stringValue)

        // An instance that echoes credentials back in its error texts, a 401 (token refresh),
        // a 503 with a reason, an HTML page quoting the secret, and a timeout.
        try await standIn.addFaults("""
            [{"status": 500, "error": {"message": "bad client secret \(secret)", "detail": "token \(token)"}},
             {"status": 401},
             {"status": 503, "retryAfter": "0"},
             {"html": "<html><body>secret=\(secret) token=\(token)</body></html>"},
             {"delay": 2}]
            """)
        for _ in 0..<3 {
            do {
                _ = try await client.create(payload: createPayload, apiVersion: nil, progress: { progress.append($0) })
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.count == 3)
        let everything = errors.map { "\($0)" } + progress.values.map { "\($0)" } + lines.values
        #expect(lines.values.count >= 6)
        for text in everything {
            #expect(!text.contains(secret), "\(text)")
            #expect(!text.contains(token), "\(text)")
        }
        #expect(errors.first == .instance(httpStatus: 500, message: "bad client secret ***", detail: "token ***"))
    }
}
