import Foundation
import Testing

@testable import OpenFrameForwarding

@Suite("Instance configuration")
struct InstanceConfigurationTests {
    struct Resolves: CustomTestStringConvertible, Sendable {
        let input: String
        let insecure: Bool
        let expected: String
        var testDescription: String { "\(input)\(insecure ? " (allowInsecureHTTP)" : "")" }
    }

    @Test(
        "base URLs that resolve",
        arguments: [
            Resolves(input: "dev12345", insecure: false, expected: "https://dev12345.service-now.com"),
            Resolves(input: "  DEV12345\n", insecure: false, expected: "https://dev12345.service-now.com"),
            Resolves(input: "acme-prod", insecure: false, expected: "https://acme-prod.service-now.com"),
            Resolves(input: "https://dev12345.service-now.com", insecure: false, expected: "https://dev12345.service-now.com"),
            Resolves(input: "https://dev12345.service-now.com/", insecure: false, expected: "https://dev12345.service-now.com"),
            Resolves(input: "https://dev12345.service-now.com///", insecure: false, expected: "https://dev12345.service-now.com"),
            Resolves(input: "HTTPS://sn.example.com:8443/proxy/", insecure: false, expected: "https://sn.example.com:8443/proxy"),
            Resolves(input: "http://127.0.0.1:8080", insecure: false, expected: "http://127.0.0.1:8080"),
            Resolves(input: "http://127.10.20.30:8080/", insecure: false, expected: "http://127.10.20.30:8080"),
            Resolves(input: "http://localhost:9000", insecure: false, expected: "http://localhost:9000"),
            Resolves(input: "http://LOCALHOST:9000", insecure: false, expected: "http://LOCALHOST:9000"),
            Resolves(input: "http://[::1]:9000", insecure: false, expected: "http://[::1]:9000"),
            Resolves(input: "http://sn.internal.example:8080", insecure: true, expected: "http://sn.internal.example:8080"),
            Resolves(input: "http://10.0.0.5", insecure: true, expected: "http://10.0.0.5"),
        ])
    func resolves(_ item: Resolves) throws {
        let url = try InstanceConfiguration.resolveBaseURL(item.input, allowInsecureHTTP: item.insecure)
        #expect(url.absoluteString == item.expected)
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        let input: String
        let mentions: String
        var testDescription: String { input.isEmpty ? "(empty)" : input }
    }

    @Test(
        "base URLs that are refused, each with a clear reason",
        arguments: [
            Refused(input: "", mentions: "no instance given"),
            Refused(input: "   ", mentions: "no instance given"),
            Refused(input: "http://example.com", mentions: "not a loopback host"),
            Refused(input: "http://128.0.0.1", mentions: "not a loopback host"),
            Refused(input: "http://127.0.0.1.evil.example", mentions: "not a loopback host"),
            Refused(input: "http://localhost.evil.example", mentions: "not a loopback host"),
            Refused(input: "http://[::2]:80", mentions: "not a loopback host"),
            Refused(input: "https://dev12345.service-now.com?x=1", mentions: "query"),
            Refused(input: "https://dev12345.service-now.com/?", mentions: "query"),
            Refused(input: "https://dev12345.service-now.com#top", mentions: "fragment"),
            Refused(input: "https://admin:hunter22@dev12345.service-now.com", mentions: "user info"),
            Refused(input: "ftp://dev12345.service-now.com", mentions: "scheme"),
            Refused(input: "dev12345.service-now.com", mentions: "write https://dev12345.service-now.com"),
            Refused(input: "dev_12345", mentions: "neither an instance name"),
            Refused(input: "https://", mentions: "not a valid URL with a host"),
            Refused(input: "https://dev 12345.service-now.com", mentions: "spaces"),
            Refused(input: "https://dev12345.service-now.com:99999", mentions: "out of range"),
            Refused(input: "https://dev12345.service-now.com:0", mentions: "out of range"),
        ])
    func refused(_ item: Refused) {
        #expect {
            _ = try InstanceConfiguration.resolveBaseURL(item.input, allowInsecureHTTP: false)
        } throws: { error in
            guard case ForwardingError.configuration(let message) = error else { return false }
            return message.contains(item.mentions)
        }
    }

    @Test("a refused URL never echoes the password in user info")
    func userInfoNotEchoed() {
        for input in [
            "https://admin:hunter22@dev12345.service-now.com", "http://admin:hunter22@localhost x",
            "admin:hunter22@dev12345.service-now.com",
        ] {
            do {
                _ = try InstanceConfiguration.resolveBaseURL(input, allowInsecureHTTP: true)
                Issue.record("\(input) was accepted")
            } catch {
                #expect(!"\(error)".contains("hunter22"), "\(error)")
            }
        }
    }

    @Test("loopback hosts")
    func loopback() {
        for host in ["127.0.0.1", "127.255.255.254", "localhost", "api.localhost", "::1"] {
            #expect(InstanceConfiguration.isLoopback(host), "\(host)")
        }
        for host in ["128.0.0.1", "127.0.0", "127.0.0.1.1", "0127.0.0.1", "localhost.com", "::2", "example.com", "1.2.3.4"] {
            #expect(!InstanceConfiguration.isLoopback(host), "\(host)")
        }
    }

    @Test("defaults and user agent")
    func defaults() throws {
        let configuration = try InstanceConfiguration(instance: "dev12345", version: "1.2.3")
        #expect(configuration.requestTimeout == 30)
        #expect(configuration.maxConcurrentForwards == 16)
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.wireFormat == .json)
        #expect(configuration.authentication == .none)
        #expect(configuration.userAgent == "openframe-rpc/1.2.3")
        #expect(configuration.hostLabel == "dev12345.service-now.com")
        let local = try InstanceConfiguration(instance: "http://127.0.0.1:8080", version: "0.1.0-dev+abc")
        #expect(local.hostLabel == "127.0.0.1:8080")
        #expect(local.userAgent == "openframe-rpc/0.1.0-dev+abc")
    }

    @Test("bad numbers and versions are configuration errors")
    func badSettings() {
        let cases: [() throws -> InstanceConfiguration] = [
            { try InstanceConfiguration(instance: "dev1", version: "") },
            { try InstanceConfiguration(instance: "dev1", version: "1 2") },
            { try InstanceConfiguration(instance: "dev1", version: "1.0", requestTimeout: 0) },
            { try InstanceConfiguration(instance: "dev1", version: "1.0", requestTimeout: .infinity) },
            { try InstanceConfiguration(instance: "dev1", version: "1.0", maxConcurrentForwards: 0) },
            { try InstanceConfiguration(instance: "dev1", version: "1.0", maxAttempts: 0) },
            { try InstanceConfiguration(instance: "dev1", version: "1.0", retryBaseDelay: -1) },
        ]
        for make in cases {
            #expect(throws: ForwardingError.self) { _ = try make() }
        }
    }

    @Test("describing a configuration shows no secret")
    func descriptionRedacts() throws {
        let configuration = try InstanceConfiguration(
            instance: "dev12345", version: "1.0", authentication: .basic(username: "integration", password: "s3cret-pass"))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains("s3cret-pass"), "\(text)")
            #expect(text.contains("***"), "\(text)")
        }
    }
}
