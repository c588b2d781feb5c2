import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

/// Regression (found by hardening/fault-storm): with Basic authentication the scrubber knew the
/// password but not what the client actually sends, `base64(username:password)`. An instance or
/// a proxy that echoes the request's `Authorization` header in its error text (a ServiceNow error
/// detail, an HTML error page) handed the encoded credentials, which decode to the password, to
/// the host in the -33001 error message and to the log. (The client end of it, an instance echoing the header:
/// `InstanceClientTests.echoedBasicAuthorization`.)
@Suite("Basic credentials are scrubbed in every form the client sends them")
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
}
