import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

@Suite("Authentication")
struct AuthenticationTests {
    typealias Key = Authentication.EnvironmentKey

    // MARK: environment

    @Test("each method from the environment")
    func fromEnvironment() throws {
        #expect(try Authentication(environment: [:]) == .none)
        #expect(try Authentication(environment: ["PATH": "/bin", Key.token: ""]) == .none)
        #expect(try Authentication(environment: [Key.username: "u", Key.password: "p"]) == .basic(username: "u", password: "p"))
        #expect(try Authentication(environment: [Key.token: "t0k"]) == .bearer(token: "t0k"))
        #expect(try Authentication(environment: [Key.apiKey: "k3y"]) == .apiKey("k3y"))
        #expect(
            try Authentication(environment: [Key.clientID: "cid", Key.clientSecret: "sec"])
                == .oauth(OAuthSettings(clientID: "cid", clientSecret: "sec", grant: .clientCredentials)))
        #expect(
            try Authentication(environment: [Key.clientID: "cid", Key.clientSecret: "sec", Key.username: "u", Key.password: "p"])
                == .oauth(OAuthSettings(clientID: "cid", clientSecret: "sec", grant: .password(username: "u", password: "p"))))
    }

    struct EnvironmentError: CustomTestStringConvertible, Sendable {
        let environment: [String: String]
        let mentions: [String]
        var testDescription: String { environment.keys.sorted().joined(separator: "+") }
    }

    @Test(
        "half pairs and ambiguous combinations",
        arguments: [
            EnvironmentError(environment: [Key.username: "u"], mentions: [Key.username, Key.password]),
            EnvironmentError(environment: [Key.password: "p"], mentions: [Key.password, Key.username]),
            EnvironmentError(environment: [Key.clientID: "cid"], mentions: [Key.clientID, Key.clientSecret]),
            EnvironmentError(environment: [Key.clientSecret: "sec"], mentions: [Key.clientSecret, Key.clientID]),
            EnvironmentError(environment: [Key.token: "t", Key.apiKey: "k"], mentions: ["ambiguous", Key.token, Key.apiKey]),
            EnvironmentError(
                environment: [Key.username: "u", Key.password: "p", Key.token: "t"], mentions: ["ambiguous", Key.username, Key.token]),
            EnvironmentError(
                environment: [Key.clientID: "c", Key.clientSecret: "s", Key.apiKey: "k"], mentions: ["ambiguous", Key.clientID, Key.apiKey]),
            EnvironmentError(
                environment: [Key.clientID: "c", Key.clientSecret: "s", Key.username: "u", Key.password: "p", Key.token: "t"],
                mentions: ["ambiguous", "password grant", Key.token]),
        ])
    func environmentErrors(_ item: EnvironmentError) {
        #expect {
            _ = try Authentication(environment: item.environment)
        } throws: { error in
            guard case ForwardingError.configuration(let message) = error else { return false }
            let secretsShown = item.environment.values.contains { $0.count > 0 && message.contains("\"\($0)\"") }
            return item.mentions.allSatisfy(message.contains) && !secretsShown
        }
    }

    // MARK: JSON

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text).root.value }

    @Test("each shape from initializationOptions.auth")
    func fromJSON() throws {
        #expect(try Authentication(json: json(#"{"type":"none"}"#)) == .none)
        #expect(try Authentication(json: json(#"{"type":"basic","username":"u","password":"p"}"#)) == .basic(username: "u", password: "p"))
        #expect(try Authentication(json: json(#"{"type":"bearer","token":"t"}"#)) == .bearer(token: "t"))
        #expect(try Authentication(json: json(#"{"type":"apiKey","key":"k"}"#)) == .apiKey("k"))
        #expect(try Authentication(json: json(#"{"type":"apikey","key":"k"}"#)) == .apiKey("k"))
        #expect(
            try Authentication(json: json(#"{"type":"oauth","clientId":"c","clientSecret":"s"}"#))
                == .oauth(OAuthSettings(clientID: "c", clientSecret: "s")))
        #expect(
            try Authentication(json: json(#"{"type":"oauth","clientId":"c","clientSecret":"s","grant":"client_credentials"}"#))
                == .oauth(OAuthSettings(clientID: "c", clientSecret: "s")))
        #expect(
            try Authentication(json: json(#"{"type":"oauth","clientId":"c","clientSecret":"s","username":"u","password":"p"}"#))
                == .oauth(OAuthSettings(clientID: "c", clientSecret: "s", grant: .password(username: "u", password: "p"))))
        #expect(
            try Authentication(
                json: json(#"{"type":"oauth","clientId":"c","clientSecret":"s","grant":"password","username":"u","password":"p"}"#))
                == .oauth(OAuthSettings(clientID: "c", clientSecret: "s", grant: .password(username: "u", password: "p"))))
    }

    struct JSONError: CustomTestStringConvertible, Sendable {
        let json: String
        let mentions: String
        var testDescription: String { json }
    }

    @Test(
        "malformed auth objects",
        arguments: [
            JSONError(json: #""basic""#, mentions: "must be an object"),
            JSONError(json: #"{}"#, mentions: "auth.type is required"),
            JSONError(json: #"{"type": 1}"#, mentions: "auth.type must be a string"),
            JSONError(json: #"{"type": "digest"}"#, mentions: "auth.type must be one of"),
            JSONError(json: #"{"type": "basic", "username": "u"}"#, mentions: "auth.password is required"),
            JSONError(json: #"{"type": "basic", "username": "u", "password": ""}"#, mentions: "auth.password must not be empty"),
            JSONError(
                json: #"{"type": "basic", "username": "u", "password": 1234}"#, mentions: "auth.password must be a string, not a number"),
            JSONError(
                json: #"{"type": "basic", "username": "u", "password": "p", "pasword": "p"}"#, mentions: "auth.pasword is not a member"),
            JSONError(json: #"{"type": "basic", "username": "u", "password": "p", "token": "t"}"#, mentions: "auth.token is not a member"),
            JSONError(json: #"{"type": "bearer"}"#, mentions: "auth.token is required"),
            JSONError(json: #"{"type": "none", "token": "t"}"#, mentions: "no other members"),
            JSONError(json: #"{"type": "oauth", "clientId": "c"}"#, mentions: "auth.clientSecret is required"),
            JSONError(json: #"{"type": "oauth", "clientId": "c", "clientSecret": "s", "username": "u"}"#, mentions: "come together"),
            JSONError(
                json: #"{"type": "oauth", "clientId": "c", "clientSecret": "s", "grant": "password"}"#,
                mentions: "auth.username is required"),
            JSONError(
                json:
                    #"{"type": "oauth", "clientId": "c", "clientSecret": "s", "grant": "client_credentials", "username": "u", "password": "p"}"#,
                mentions: "takes no username"),
            JSONError(
                json: #"{"type": "oauth", "clientId": "c", "clientSecret": "s", "grant": "implicit"}"#, mentions: "auth.grant must be"),
            JSONError(json: #"{"type": "apiKey", "key": "k", "key": "k2"}"#, mentions: "given twice"),
        ])
    func jsonErrors(_ item: JSONError) throws {
        let value = try json(item.json)
        #expect {
            _ = try Authentication(json: value)
        } throws: { error in
            guard case ForwardingError.configuration(let message) = error else { return false }
            return message.contains(item.mentions) && message.contains("initializationOptions.auth")
        }
    }

    @Test("JSON errors never echo a value")
    func jsonErrorsDoNotEcho() throws {
        let value = try json(#"{"type": "basic", "username": "u", "password": "hunter22", "extra": "hunter22"}"#)
        do {
            _ = try Authentication(json: value)
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("hunter22"))
        }
    }

    @Test("credentials that would break the request are refused wherever they come from")
    func unusableCredentials() throws {
        let bad: [Authentication] = [
            .bearer(token: "abc\r\nX-Injected: 1"), .basic(username: "a:b", password: "p"), .basic(username: "u", password: "p\n"),
            .apiKey(""), .oauth(OAuthSettings(clientID: "c", clientSecret: "s\u{7F}")),
            .oauth(OAuthSettings(clientID: "c", clientSecret: "s", grant: .password(username: "u", password: "\t"))),
        ]
        for auth in bad {
            #expect(throws: ForwardingError.self, "\(auth)") { try auth.validate() }
            #expect(throws: ForwardingError.self, "\(auth)") {
                _ = try InstanceConfiguration(instance: "dev1", version: "1", authentication: auth)
            }
        }
        #expect(throws: ForwardingError.self) { _ = try Authentication(environment: [Key.token: "abc\r\nX: 1"]) }
        #expect {
            _ = try Authentication(json: json(#"{"type":"basic","username":"a:b","password":"p"}"#))
        } throws: { error in
            guard case ForwardingError.configuration(let message) = error else { return false }
            return message.hasPrefix("initializationOptions.auth: ") && message.contains("':'")
        }
        try Authentication.basic(username: "ü.ser", password: "pä ss:wörd").validate()
    }

    @Test("the host's JSON wins over the environment")
    func resolve() throws {
        let environment = [Key.token: "env-token"]
        #expect(try Authentication.resolve(json: nil, environment: environment) == .bearer(token: "env-token"))
        #expect(try Authentication.resolve(json: .null, environment: environment) == .bearer(token: "env-token"))
        #expect(try Authentication.resolve(json: json(#"{"type":"apiKey","key":"k"}"#), environment: environment) == .apiKey("k"))
    }

    // MARK: redaction

    static let secretCases: [(Authentication, [String])] = [
        (.basic(username: "integration.user", password: "Pa55-word!"), ["Pa55-word!"]),
        (.bearer(token: "eyJhbGciOi.bearer-token"), ["eyJhbGciOi.bearer-token"]),
        (.apiKey("now_apikey_123456"), ["now_apikey_123456"]),
        (.oauth(OAuthSettings(clientID: "client-id-1", clientSecret: "client-secret-xyz")), ["client-secret-xyz"]),
        (
            .oauth(
                OAuthSettings(
                    clientID: "client-id-1", clientSecret: "client-secret-xyz",
                    grant: .password(username: "agent", password: "agent-pass-987"))),
            ["client-secret-xyz", "agent-pass-987"]
        ),
    ]

    @Test("no way of printing an Authentication shows a secret")
    func redaction() {
        for (auth, secrets) in Self.secretCases {
            var dumped = ""
            dump(auth, to: &dumped)
            var dumpedArray = ""
            dump([auth], to: &dumpedArray)
            let mirrorText = Mirror(reflecting: auth).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ", ")
            let renderings = [
                String(describing: auth), "\(auth)", String(reflecting: auth), auth.description, auth.debugDescription,
                dumped, dumpedArray, mirrorText, "\([auth])", String(describing: Optional(auth)),
            ]
            for text in renderings {
                for secret in secrets {
                    #expect(!text.contains(secret), "\(text)")
                }
                if auth != .none { #expect(text.contains("***"), "\(text)") }
            }
        }
    }

    @Test("redacted renderings still say what kind of authentication it is")
    func redactedDescriptions() {
        #expect("\(Authentication.basic(username: "integration", password: "x"))" == #"basic(username: "integration", password: ***)"#)
        #expect("\(Authentication.bearer(token: "x"))" == "bearer(token: ***)")
        #expect("\(Authentication.apiKey("x"))" == "apiKey(***)")
        #expect("\(Authentication.none)" == "none")
        #expect(
            "\(Authentication.oauth(OAuthSettings(clientID: "cid", clientSecret: "x")))"
                == #"oauth(clientID: "cid", clientSecret: ***, grant: clientCredentials)"#)
    }

    @Test("the scrubber removes every secret from foreign text")
    func scrubber() {
        let auth = Authentication.oauth(
            OAuthSettings(
                clientID: "cid", clientSecret: "client-secret-xyz", grant: .password(username: "agent", password: "agent-pass-987")))
        let scrubber = SecretScrubber(auth.secrets + ["tok"])
        #expect(scrubber.scrub("bad secret client-secret-xyz and agent-pass-987, tok") == "bad secret *** and ***, tok")
        let error = scrubber.scrub(.instance(httpStatus: 401, message: "client-secret-xyz", detail: "agent-pass-987"))
        #expect(error == .instance(httpStatus: 401, message: "***", detail: "***"))
        #expect(
            scrubber.scrub(.unreachable(reason: "x agent-pass-987", mayHaveActed: true), extra: ["access-token-1"])
                == .unreachable(reason: "x ***", mayHaveActed: true))
        #expect(
            scrubber.scrub(.unreachable(reason: "access-token-1", mayHaveActed: false), extra: ["access-token-1"])
                == .unreachable(reason: "***", mayHaveActed: false))
    }
}
