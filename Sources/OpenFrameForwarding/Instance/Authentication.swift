#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// How the client proves who it is to the instance. Credentials only ever travel in
/// request headers (or the OAuth token request body), never in a URL.
///
/// `description`, `debugDescription` and the reflection mirror (`dump`, `String(reflecting:)`)
/// show the kind and non-secret names only; passwords, tokens, client secrets and API keys
/// print as `***`.
public enum Authentication: Sendable, Equatable {
    /// No credentials (a loopback stand-in, or an instance behind an authenticating proxy).
    case none
    /// `Authorization: Basic base64(username:password)`.
    case basic(username: String, password: String)
    /// `Authorization: Bearer <token>` with a token obtained elsewhere.
    case bearer(token: String)
    /// OAuth 2 against the instance's `/oauth_token.do`; the access token is fetched, cached and refreshed.
    case oauth(OAuthSettings)
    /// `x-sn-apikey: <key>` (ServiceNow REST API key).
    case apiKey(String)

    /// "none", "basic", "bearer", "oauth", "apiKey": the `type` in the JSON form.
    public var kind: String {
        switch self {
        case .none: "none"
        case .basic: "basic"
        case .bearer: "bearer"
        case .oauth: "oauth"
        case .apiKey: "apiKey"
        }
    }

    /// Checks what would otherwise break the request: a control character in any credential
    /// (CR/LF would split the header it goes into) and a `:` in a basic-auth username
    /// (RFC 7617 cannot carry it). Messages name the field, never the value.
    public func validate() throws(ForwardingError) {
        func check(_ value: String, _ field: String) throws(ForwardingError) {
            guard !value.isEmpty else { throw .configuration("the \(field) for \(kind) authentication is empty") }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .configuration("the \(field) for \(kind) authentication contains a control character")
            }
        }
        switch self {
        case .none:
            break
        case .basic(let username, let password):
            try check(username, "username")
            try check(password, "password")
            if username.contains(":") { throw .configuration("a basic-auth username cannot contain ':'") }
        case .bearer(let token):
            try check(token, "token")
        case .apiKey(let key):
            try check(key, "API key")
        case .oauth(let settings):
            try check(settings.clientID, "client id")
            try check(settings.clientSecret, "client secret")
            if case .password(let username, let password) = settings.grant {
                try check(username, "username")
                try check(password, "password")
            }
        }
    }

    /// The secret strings this authentication holds (for scrubbing text that came from elsewhere),
    /// in every form they go on the wire: for Basic, also `base64(username:password)`, which an
    /// instance or proxy echoing the `Authorization` header would quote.
    var secrets: [String] {
        switch self {
        case .none: []
        case .basic(let username, let password): [password, Data("\(username):\(password)".utf8).base64EncodedString()]
        case .bearer(let token): [token]
        case .oauth(let settings): settings.secrets
        case .apiKey(let key): [key]
        }
    }
}

/// OAuth client settings for `POST {base}/oauth_token.do`.
public struct OAuthSettings: Sendable, Equatable {
    public enum Grant: Sendable, Equatable {
        /// `grant_type=client_credentials` (the OAuth application acts as its configured user).
        case clientCredentials
        /// `grant_type=password` with a user's name and password (refreshed with the refresh token when one is given).
        case password(username: String, password: String)
    }

    public var clientID: String
    public var clientSecret: String
    public var grant: Grant

    public init(clientID: String, clientSecret: String, grant: Grant = .clientCredentials) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.grant = grant
    }

    var secrets: [String] {
        switch grant {
        case .clientCredentials: [clientSecret]
        case .password(_, let password): [clientSecret, password]
        }
    }
}

// MARK: - Redaction

/// What stands in for a secret whenever one would be printed.
public let redactedSecret = "***"

extension Authentication: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .none: "none"
        case .basic(let username, _): "basic(username: \(quoted(username)), password: \(redactedSecret))"
        case .bearer: "bearer(token: \(redactedSecret))"
        case .oauth(let settings): "oauth(\(settings.fields))"
        case .apiKey: "apiKey(\(redactedSecret))"
        }
    }

    public var debugDescription: String { "Authentication.\(description)" }

    public var customMirror: Mirror {
        switch self {
        case .none:
            Mirror(self, children: [:], displayStyle: .enum)
        case .basic(let username, _):
            Mirror(self, children: ["username": username, "password": redactedSecret], displayStyle: .enum)
        case .bearer:
            Mirror(self, children: ["token": redactedSecret], displayStyle: .enum)
        case .oauth(let settings):
            Mirror(self, children: ["settings": settings], displayStyle: .enum)
        case .apiKey:
            Mirror(self, children: ["key": redactedSecret], displayStyle: .enum)
        }
    }
}

extension OAuthSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    fileprivate var fields: String {
        "clientID: \(quoted(clientID)), clientSecret: \(redactedSecret), grant: \(grant)"
    }

    public var description: String { "OAuthSettings(\(fields))" }
    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["clientID": clientID, "clientSecret": redactedSecret, "grant": grant], displayStyle: .struct)
    }
}

extension OAuthSettings.Grant: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .clientCredentials: "clientCredentials"
        case .password(let username, _): "password(username: \(quoted(username)), password: \(redactedSecret))"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        switch self {
        case .clientCredentials:
            Mirror(self, children: [:], displayStyle: .enum)
        case .password(let username, _):
            Mirror(self, children: ["username": username, "password": redactedSecret], displayStyle: .enum)
        }
    }
}

private func quoted(_ text: String) -> String {
    "\"" + text.replacingEvery("\\", with: "\\\\").replacingEvery("\"", with: "\\\"") + "\""
}
