import Foundation
import JSON
import TestSupport
import Testing

@testable import OpenFrameForwarding

/// InstanceClient end to end against the Python stand-in, through the real libcurl transport: one run
/// per auth mode, JSON and XML, and a drop after the record was stored. The client's decisions (retries,
/// waits, timeouts, cancellation, token refresh, queueing, scrubbing) are tested in milliseconds against
/// a scripted transport and a manual clock (`InstanceClientTests`).
@Suite("Instance client against the stand-in", .serialized, .timeLimit(.minutes(1)))
struct InstanceClientIntegrationTests {
    static let version = "9.9.9-test"
    static let createText =
        #"{"interaction":{"userPhoneNumber":"+14155550100","clientSessionId":"call-1","additionalParams":{"direction":"inbound","priority":2,"vip":true}},"interactionContext":{"devicetype":"genesys"},"phoneLogs":[{"call_id":"2323223","start_time":"2024-11-04 21:45:00"}],"relatedRecords":[{"documentTable":"sys_user","documentId":"62826bf03710200044e0bfc8bcbe5df1"}]}"#
    static let updateText = #"{"interaction":{"additionalParams":{"short_description":"Call ended"}},"phoneLogs":[{"call_id":"33535353"}]}"#

    let createPayload = try! JSONParser.parse(Self.createText).root
    let updatePayload = try! JSONParser.parse(Self.updateText).root

    /// The client as the server builds it: the real libcurl transport and the system clock.
    func client(_ standIn: StandIn, _ auth: Authentication = .none, wire: WireFormat = .json) throws -> InstanceClient {
        let configuration = try InstanceConfiguration(
            instance: standIn.url, version: Self.version, authentication: auth, wireFormat: wire, requestTimeout: 5, retryBaseDelay: 0.05)
        return InstanceClient(configuration: configuration)
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
        #expect(
            tokenRequest["body"]?.stringValue == "grant_type=client_credentials&client_id=client-1&client_secret=s3c%2Br%26t%3D%25%2F%C3%A9"
        )
        let tokenAnswer = try #require(tokenRequest["response"]?["body"]?.stringValue)
        let token = try #require(try JSONParser.parse(tokenAnswer).root["access_token"]?.stringValue)
        let creates = log.filter { $0["operation"] == "create" }
        #expect(creates.count == 8)
        #expect(creates.allSatisfy { $0.header("Authorization") == "Bearer \(token)" && $0["authFailure"] == .null })
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
        #expect(
            log[0]["body"]?.stringValue?.hasPrefix(
                #"<?xml version="1.0" encoding="UTF-8"?><request><interaction><userPhoneNumber>+14155550100</userPhoneNumber>"#) == true)
        #expect(log[0]["response"]?.header("Content-Type")?.hasPrefix("application/xml") == true)
        let record = try #require(try await standIn.records()[sysId])
        #expect(record["format"] == "xml")
        // XML carries strings only: numbers and booleans come back as their text.
        #expect(record["createPayload"]?["interaction"]?["additionalParams"] == ["direction": "inbound", "priority": "2", "vip": "true"])
        #expect(record["createPayload"]?["phoneLogs"] == [["call_id": "2323223", "start_time": "2024-11-04 21:45:00"]])
        #expect(record["updatePayloads"]?.arrayValue?.first?["format"] == "xml")

        // An XML error answer.
        let error = await #expect(throws: ForwardingError.self) {
            _ = try await client.update(
                sysId: String(repeating: "a", count: 32), payload: updatePayload, apiVersion: nil, progress: { _ in })
        }
        #expect(
            error
                == .instance(
                    httpStatus: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval"))
    }

    // MARK: failures that are not retried

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

}
