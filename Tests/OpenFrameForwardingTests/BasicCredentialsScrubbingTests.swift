import Foundation
import Testing
import JSON
import TestSupport
@testable import OpenFrameForwarding

/// Regression (found by hardening/fault-storm): with Basic authentication the scrubber knew the
/// password but not what the client actually sends, `base64(username:password)`. An instance or
/// a proxy that echoes the request's `Authorization` header in its error text (a ServiceNow error
/// detail, an HTML error page) handed the encoded credentials, which decode to the password, to
/// the host in the -33001 error message and to the log.
@Suite("Basic credentials are scrubbed in every form the client sends them", .serialized, .timeLimit(.minutes(1)))
struct BasicCredentialsScrubbingTests {
    static let username = "integration.user"
    static let password = "Pa55-word!"
    static var encoded: String { Data("\(username):\(password)".utf8).base64EncodedString() }

    @Test("the scrubber removes base64(username:password)")
    func scrubberKnowsTheEncodedCredentials() {
        let scrubber = SecretScrubber(Authentication.basic(username: Self.username, password: Self.password).secrets)
        let text = scrubber.scrub("rejected Authorization: Basic \(Self.encoded) for \(Self.password)")
        #expect(!text.contains(Self.encoded), "\(text)")
        #expect(!text.contains(Self.password), "\(text)")
        #expect(text == "rejected Authorization: Basic *** for ***")
    }

    @Test("an instance that echoes the Authorization header: no credentials in errors or log lines")
    func echoedAuthorizationHeader() async throws {
        let standIn = try await StandIn(["--auth", "basic", "--username", Self.username, "--password", Self.password])
        let lines = Recorder<String>()
        let configuration = try InstanceConfiguration(
            instance: standIn.url, version: "9.9.9-test", authentication: .basic(username: Self.username, password: Self.password),
            requestTimeout: 5, maxAttempts: 1)
        let client = InstanceClient(configuration: configuration, log: { lines.append($0) })
        let payload = try JSONParser.parse(#"{"interaction":{"userPhoneNumber":"+14155550100"}}"#).root
        try await standIn.addFaults("""
            [{"status": 500, "error": {"message": "Login failed", "detail": "Authorization: Basic \(Self.encoded)"}},
             {"status": 502, "html": "<html><body><h1>502</h1><p>upstream refused Authorization: Basic \(Self.encoded)</p></body></html>"}]
            """)
        var errors: [ForwardingError] = []
        for _ in 0..<2 {
            do {
                _ = try await client.create(payload: payload, apiVersion: nil, progress: { _ in })
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.count == 2)
        for text in errors.map({ "\($0)" }) + lines.values {
            #expect(!text.contains(Self.encoded), "\(text)")
            #expect(!text.contains(Self.password), "\(text)")
        }
        #expect(errors.first == .instance(httpStatus: 500, message: "Login failed", detail: "Authorization: Basic ***"))
    }
}
