import Foundation
import JSON
import TestSupport
import Testing

/// Forwarding through the real binary on the libcurl transport: connections kept and reused,
/// never a silent re-send, `mayHaveActed` exact, hard limits, TLS options, libcurl loaded only
/// when needed.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KeptAliveForwardingTests {
    static func payload(_ id: String) -> JSONValue {
        ["interaction": ["userPhoneNumber": "+14089965744", "clientSessionId": .string(id)]]
    }

    static func mapsLibcurl(_ server: ServerProcess) -> Bool {
        // /proc files report size 0: read them with read(2).
        let fd = open("/proc/\(server.process.processIdentifier)/maps", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let maps = String(decoding: POSIXRead.all(fd), as: UTF8.self)
        #expect(maps.contains("libc"), "the maps file was read")
        return maps.contains("libcurl")
    }

    @Test func createsShareOneConnectionAndADropAfterStoreIsNeverResent() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url])
        server.request(1, "openframe/validate", ["payload": Self.payload("v")])
        #expect(await server.response(1)?["result"]?["valid"] == true)
        #expect(!Self.mapsLibcurl(server), "libcurl is loaded with the first forward, not at start")
        for id in 2...4 {
            server.request(id, "openframe/createVoiceInteraction", ["payload": Self.payload("c\(id)")])
            #expect(await server.response(id)?["result"]?["status"] == "SUCCESS")
        }
        #expect(Self.mapsLibcurl(server))
        var log = try await standIn.requests()
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2, 3])
        #expect(Set(log.compactMap { $0["connection"]?.intValue }).count == 1)

        // The 4th request on the kept-alive connection is stored, then the connection drops.
        try await standIn.addFaults(#"[{"drop": "after_store"}]"#)
        server.request(5, "openframe/createVoiceInteraction", ["payload": Self.payload("dropped")])
        let error = try #require(await server.response(5)?["error"])
        #expect(error["code"] == -33002)
        #expect(error["data"]?["mayHaveActed"] == true)
        #expect(error["data"]?["reason"]?.stringValue?.contains("the instance may have created the record; not retried") == true)
        log = try await standIn.requests()
        #expect(log.count == 4, "sent once, not re-sent by libcurl")
        let ids = try await standIn.records().members.compactMap {
            $0.value["createPayload"]?["interaction"]?["clientSessionId"]?.stringValue
        }
        #expect(ids.filter { $0 == "dropped" }.count == 1)

        // And forwarding goes on, on a fresh connection.
        server.request(6, "openframe/createVoiceInteraction", ["payload": Self.payload("after")])
        #expect(await server.response(6)?["result"]?["status"] == "SUCCESS")
        #expect(try await standIn.requests().last?["requestOnConnection"] == 1)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func anIdleConnectionClosedByTheServerIsReplacedWithoutError() async throws {
        let standIn = try await StandIn(["--idle-timeout", "0.1"])
        let server = try ServerProcess(["--instance", standIn.url])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("a")])
        #expect(await server.response(1)?["result"]?["status"] == "SUCCESS")
        try await Task.sleep(for: .milliseconds(400))
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.payload("b"), "workDoneToken": "b"])
        #expect(await server.response(2)?["result"]?["status"] == "SUCCESS")
        let log = try await standIn.requests()
        #expect(log.count == 2)
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 1])
        #expect(try await standIn.records().count == 2)
    }

    @Test func answersThatCannotBeReadSayTheInstanceMayHaveActed() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url, "--request-timeout", "3"])
        // A real SUCCESS whose body is over the cap.
        try await standIn.addFaults(#"[{"padBody": 5000000}]"#)
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("big")])
        let big = try #require(await server.response(1)?["error"])
        #expect(big["code"] == -33002)
        #expect(big["data"]?["mayHaveActed"] == true)
        #expect(big["message"]?.stringValue?.contains("could not read the answer") == true)
        #expect(try await standIn.records().count == 1)
        // An endless chunked body.
        try await standIn.addFaults(#"[{"endlessBody": true}]"#)
        let started = ContinuousClock.now
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.payload("endless")])
        let endless = try #require(await server.response(2)?["error"])
        #expect(endless["code"] == -33002 && endless["data"]?["mayHaveActed"] == true)
        #expect(ContinuousClock.now - started < .seconds(3))
        // A proxy's 503 page without Retry-After: not retried (the upstream may have acted).
        try await standIn.control("POST", "/reset")
        try await standIn.addFaults(
            #"[{"status": 503, "html": "<html><body>upstream connect error or disconnect/reset before headers</body></html>"}]"#)
        server.request(3, "openframe/createVoiceInteraction", ["payload": Self.payload("proxy")])
        let proxy = try #require(await server.response(3)?["error"])
        #expect(proxy["code"] == -33001 && proxy["data"]?["httpStatus"] == 503)
        #expect(try await standIn.requests().count == 1)
        // The instance's own 503 is retried.
        try await standIn.addFaults(#"[{"status": 503}]"#)
        server.request(4, "openframe/createVoiceInteraction", ["payload": Self.payload("own")])
        #expect(await server.response(4)?["result"]?["status"] == "SUCCESS")
        #expect(try await standIn.requests().count == 3)
        server.closeInput()
        #expect(await server.waitForExit() == 0)
    }

    @Test func nothingSentMeansMayHaveActedFalse() async throws {
        let standIn = try await StandIn()
        let port = try await standIn.refusedPort()
        let server = try ServerProcess(["--instance", "http://127.0.0.1:\(port)", "--max-attempts", "1"])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("r")])
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33002)
        #expect(error["data"]?["mayHaveActed"] == false)
        #expect(error["data"]?["reason"]?.stringValue?.hasSuffix("nothing was sent") == true)
    }

    @Test func ipv6LiteralInstanceURL() async throws {
        let standIn = try await StandIn(["--host", "::1"])
        let server = try ServerProcess(["--instance", standIn.url])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("six")])
        #expect(await server.response(1)?["result"]?["status"] == "SUCCESS")
        #expect(try await standIn.records().count == 1)
    }

    @Test func missingLibcurlIsAClearErrorAndValidateStillWorks() async throws {
        let standIn = try await StandIn()
        let server = try ServerProcess(["--instance", standIn.url], environment: ["OPENFRAME_TEST_LIBCURL": "libcurl-missing.so.9"])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("x")])
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33002)
        #expect(error["data"]?["mayHaveActed"] == false)
        let message = try #require(error["message"]?.stringValue)
        #expect(message.contains("libcurl could not be loaded") && message.contains("libcurl-missing.so.9"), "\(message)")
        server.request(2, "openframe/validate", ["payload": Self.payload("x")])
        #expect(await server.response(2)?["result"]?["valid"] == true)
        #expect(try await standIn.requests().isEmpty)
    }

    @Test func anOAuthTokenWithCRLFIsRefusedNeverSent() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "client-secret-value"])
        try await standIn.addFaults(
            #"[{"match": {"operation": "token"}, "body": "{\"access_token\":\"abc\\r\\nX-Injected: 1\",\"token_type\":\"Bearer\",\"expires_in\":1800}"}]"#
        )
        let server = try ServerProcess(
            ["--instance", standIn.url], environment: ["OPENFRAME_CLIENT_ID": "cid", "OPENFRAME_CLIENT_SECRET": "client-secret-value"])
        server.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("t")])
        let error = try #require(await server.response(1)?["error"])
        #expect(error["code"] == -33001)
        #expect(error["message"]?.stringValue?.contains("control character") == true)
        let log = try await standIn.requests()
        #expect(log.map { $0["operation"]?.stringValue } == ["token"], "the create never went out")
    }

    @Test func caFileAndClientCertificatesFromOptionsAndEnvironment() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let standIn = try await StandIn(["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey])
        let tlsURL = try #require(standIn.tlsURL)

        let viaFlag = try ServerProcess(["--instance", tlsURL, "--ca-file", certificates.caFile])
        viaFlag.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("flag")])
        #expect(await viaFlag.response(1)?["result"]?["status"] == "SUCCESS")

        let viaEnvironment = try ServerProcess(["--instance", tlsURL], environment: ["OPENFRAME_CA_FILE": certificates.caFile])
        viaEnvironment.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("env")])
        #expect(await viaEnvironment.response(1)?["result"]?["status"] == "SUCCESS")

        let viaOptions = try ServerProcess([])
        viaOptions.request(
            1, "initialize", ["initializationOptions": ["instance": .string(tlsURL), "tls": ["caFile": .string(certificates.caFile)]]])
        #expect(await viaOptions.response(1)?["result"] != nil)
        viaOptions.request(2, "openframe/createVoiceInteraction", ["payload": Self.payload("options")])
        #expect(await viaOptions.response(2)?["result"]?["status"] == "SUCCESS")

        let wrong = try ServerProcess(["--instance", tlsURL, "--ca-file", certificates.otherCAFile])
        wrong.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("wrong")])
        let error = try #require(await wrong.response(1)?["error"])
        #expect(error["code"] == -33002 && error["data"]?["mayHaveActed"] == false)
        #expect(error["message"]?.stringValue?.contains("TLS") == true)
        #expect(try await standIn.requests().count == 3)

        let missing = try await CommandResult.run(["--instance", tlsURL, "--ca-file", "/nonexistent/ca.pem"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/ca.pem"))
        let noVerifyOff = try ServerProcess([])
        noVerifyOff.request(1, "initialize", ["initializationOptions": ["instance": .string(tlsURL), "tls": ["verify": false]]])
        #expect(await noVerifyOff.response(1)?["error"]?["message"]?.stringValue?.contains("verification cannot be turned off") == true)
    }

    @Test func mutualTLSFromTheEnvironmentNeverShowsTheKeyPassword() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let standIn = try await StandIn([
            "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
            "--tls-client-ca", certificates.caFile,
        ])
        let tlsURL = try #require(standIn.tlsURL)
        let password = "key-pass-phrase-never-shown"
        let server = try ServerProcess(
            ["--instance", tlsURL, "--log-level", "trace"],
            environment: [
                "OPENFRAME_CA_FILE": certificates.caFile, "OPENFRAME_CLIENT_CERT": certificates.clientCertificate,
                "OPENFRAME_CLIENT_KEY": certificates.clientKey, "OPENFRAME_CLIENT_KEY_PASSWORD": password,
            ])
        server.request(1, "initialize", [:])
        _ = await server.response(1)
        server.request(2, "openframe/createVoiceInteraction", ["payload": Self.payload("mtls")])
        #expect(await server.response(2)?["result"]?["status"] == "SUCCESS")
        server.closeInput()
        _ = await server.waitForExit()
        let everything = server.received.map(\.jsonString).joined() + server.errorOutput
        #expect(!everything.contains(password))

        let onlyCertificate = try ServerProcess(
            ["--instance", tlsURL], environment: ["OPENFRAME_CLIENT_CERT": certificates.clientCertificate])
        onlyCertificate.closeInput()
        #expect(await onlyCertificate.waitForExit() == 2)
        #expect(onlyCertificate.errorOutput.contains("OPENFRAME_CLIENT_KEY"))
    }

    /// libcurl reads the proxy variables itself when CURLOPT_PROXY is unset: `http_proxy` (lower
    /// case only) for http, `https_proxy`/`HTTPS_PROXY` for https, and `NO_PROXY`/`no_proxy`.
    @Test func proxyVariablesAreHonoured() async throws {
        let proxy = try await StandIn()
        let viaProxy = try ServerProcess(
            ["--instance", "http://127.0.0.1:9", "--max-attempts", "1"], environment: ["http_proxy": proxy.url])
        viaProxy.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("p")])
        #expect(await viaProxy.response(1)?["result"]?["status"] == "SUCCESS")
        #expect(try await proxy.requests().first?["target"] == "http://127.0.0.1:9/api/now/openframe/voice-interaction")

        let bypassed = try ServerProcess(
            ["--instance", "http://127.0.0.1:9", "--max-attempts", "1"],
            environment: ["http_proxy": proxy.url, "NO_PROXY": "127.0.0.1"])
        bypassed.request(1, "openframe/createVoiceInteraction", ["payload": Self.payload("n")])
        #expect(await bypassed.response(1)?["error"]?["data"]?["mayHaveActed"] == false)
        #expect(try await proxy.requests().count == 1)
    }

    @Test func tokenRequestsAndCreatesShareTheConnection() async throws {
        let standIn = try await StandIn(["--auth", "oauth", "--client-id", "cid", "--client-secret", "client-secret-value"])
        let server = try ServerProcess(
            ["--instance", standIn.url], environment: ["OPENFRAME_CLIENT_ID": "cid", "OPENFRAME_CLIENT_SECRET": "client-secret-value"])
        for id in 1...2 {
            server.request(id, "openframe/createVoiceInteraction", ["payload": Self.payload("o\(id)")])
            #expect(await server.response(id)?["result"]?["status"] == "SUCCESS")
        }
        let log = try await standIn.requests()
        #expect(log.map { $0["operation"]?.stringValue } == ["token", "create", "create"])
        #expect(log.map { $0["requestOnConnection"]?.intValue } == [1, 2, 3])
    }
}
