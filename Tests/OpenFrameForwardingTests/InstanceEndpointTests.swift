import Foundation
import Testing

@testable import OpenFrameForwarding

@Suite("Instance endpoint")
struct InstanceEndpointTests {
    let endpoint = InstanceEndpoint(baseURL: URL(string: "https://dev12345.service-now.com")!)
    let sysId = "12961fff7fb2d2102d0cd3cf8c86652b"

    @Test("create and update paths, with and without a version")
    func paths() throws {
        #expect(
            try endpoint.createURL(apiVersion: nil).absoluteString == "https://dev12345.service-now.com/api/now/openframe/voice-interaction"
        )
        #expect(
            try endpoint.createURL(apiVersion: "v1").absoluteString
                == "https://dev12345.service-now.com/api/now/openframe/v1/voice-interaction")
        #expect(
            try endpoint.updateURL(sysId: sysId, apiVersion: nil).absoluteString
                == "https://dev12345.service-now.com/api/now/openframe/voice-interaction/\(sysId)")
        #expect(
            try endpoint.updateURL(sysId: sysId.uppercased(), apiVersion: "v22").absoluteString
                == "https://dev12345.service-now.com/api/now/openframe/v22/voice-interaction/\(sysId.uppercased())")
        #expect(endpoint.tokenURL.absoluteString == "https://dev12345.service-now.com/oauth_token.do")
        let prefixed = InstanceEndpoint(baseURL: URL(string: "https://proxy.example/sn")!)
        #expect(try prefixed.createURL(apiVersion: nil).absoluteString == "https://proxy.example/sn/api/now/openframe/voice-interaction")
    }

    @Test(
        "apiVersion must be v + digits",
        arguments: [
            "", "v", "1", "V1", "v1.0", "v1/", "v-1", "v1 ", " v1", "v1?x=1", "v1#", "../v1", "v１", "v12345678901", "latest", "v1/../..",
        ])
    func badVersions(_ version: String) {
        #expect(throws: ForwardingError.self) { _ = try endpoint.createURL(apiVersion: version) }
        #expect(throws: ForwardingError.self) { _ = try endpoint.updateURL(sysId: sysId, apiVersion: version) }
    }

    @Test(
        "sysId must be 32 hex characters",
        arguments: [
            "", "12961fff7fb2d2102d0cd3cf8c86652", "12961fff7fb2d2102d0cd3cf8c86652bb", "12961fff7fb2d2102d0cd3cf8c86652g",
            "../../../../../../../../../../..", "12961fff7fb2d2102d0cd3cf8c8665/b", "12961fff7fb2d2102d0cd3cf8c8665%2",
            "12961fff7fb2d2102d0cd3cf8c86652?",
            "12961fff7fb2d2102d0cd3cf8c86652 ", "１2961fff7fb2d2102d0cd3cf8c86652b",
        ])
    func badSysIDs(_ sysId: String) {
        #expect {
            _ = try endpoint.updateURL(sysId: sysId, apiVersion: nil)
        } throws: { error in
            guard case ForwardingError.configuration(let message) = error else { return false }
            return message.contains("32 hexadecimal")
        }
    }
}
