import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

@Suite("TLS settings")
struct TLSSettingsTests {
    static let readable = "/etc/hostname"

    @Test("initializationOptions.tls wins over --ca-file, which wins over the environment")
    func precedence() throws {
        let environment = ["OPENFRAME_CA_FILE": "/env/ca.pem", "OPENFRAME_CLIENT_CERT": "/env/c.pem", "OPENFRAME_CLIENT_KEY": "/env/k.pem"]
        var settings = try TLSSettings.resolve(caFile: nil, json: nil, environment: environment)
        #expect(settings == TLSSettings(caFile: "/env/ca.pem", clientCertificate: "/env/c.pem", clientKey: "/env/k.pem"))
        settings = try TLSSettings.resolve(caFile: "/flag/ca.pem", json: nil, environment: environment)
        #expect(settings.caFile == "/flag/ca.pem")
        settings = try TLSSettings.resolve(
            caFile: "/flag/ca.pem", json: ["caFile": "/options/ca.pem", "clientKeyPassword": "pw"], environment: environment)
        #expect(settings.caFile == "/options/ca.pem" && settings.clientKeyPassword == "pw" && settings.clientKey == "/env/k.pem")
        #expect(try TLSSettings.resolve(caFile: nil, json: nil, environment: ["OPENFRAME_CA_FILE": ""]) == TLSSettings())
    }

    @Test("bad options are clear errors; verification cannot be turned off")
    func badOptions() {
        func message(_ json: JSONValue) -> String? {
            do { _ = try TLSSettings.resolve(caFile: nil, json: json, environment: [:]); return nil } catch { return "\(error)" }
        }
        #expect(message(["verifyPeer": false])?.contains("initializationOptions.tls.verifyPeer is not a TLS option") == true)
        #expect(message(["verifyPeer": false])?.contains("verification cannot be turned off") == true)
        #expect(message(["caFile": 3])?.contains("initializationOptions.tls.caFile must be a non-empty string") == true)
        #expect(message("ca.pem")?.contains("must be an object") == true)
    }

    @Test("files must be readable and certificate and key come together")
    func validation() throws {
        #expect(throws: ForwardingError.configuration("the CA file /nonexistent/ca.pem does not exist or cannot be read")) {
            try TLSSettings(caFile: "/nonexistent/ca.pem").validate()
        }
        #expect(throws: ForwardingError.self) { try TLSSettings(clientCertificate: Self.readable).validate() }
        #expect(throws: ForwardingError.self) { try TLSSettings(clientKeyPassword: "pw").validate() }
        try TLSSettings(caFile: Self.readable, clientCertificate: Self.readable, clientKey: Self.readable, clientKeyPassword: "pw")
            .validate()
        #expect(throws: ForwardingError.self) {
            _ = try InstanceConfiguration(instance: "dev1", version: "1", tls: TLSSettings(caFile: "/nonexistent/ca.pem"))
        }
    }

    @Test("the key password never prints, and is scrubbed from text")
    func redacted() throws {
        let settings = TLSSettings(
            caFile: Self.readable, clientCertificate: Self.readable, clientKey: Self.readable, clientKeyPassword: "key-pass-secret")
        let configuration = try InstanceConfiguration(instance: "dev1", version: "1", tls: settings)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(settings)", String(reflecting: settings), "\(configuration)", dumped] {
            #expect(!text.contains("key-pass-secret"), "\(text)")
        }
        #expect(configuration.secrets.contains("key-pass-secret"))
        #expect(SecretScrubber(configuration.secrets).scrub("bad key-pass-secret here") == "bad *** here")
    }
}
