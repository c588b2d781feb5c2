import JSON

extension Authentication {
    /// The environment variables read by `init(environment:)`.
    public enum EnvironmentKey {
        public static let username = "OPENFRAME_USERNAME"
        public static let password = "OPENFRAME_PASSWORD"
        public static let token = "OPENFRAME_TOKEN"
        public static let clientID = "OPENFRAME_CLIENT_ID"
        public static let clientSecret = "OPENFRAME_CLIENT_SECRET"
        public static let apiKey = "OPENFRAME_API_KEY"
    }

    /// Authentication from the environment. A variable set to the empty string counts as unset.
    ///
    /// | Variables | Authentication |
    /// |---|---|
    /// | none of them | `.none` |
    /// | `OPENFRAME_USERNAME` + `OPENFRAME_PASSWORD` | `.basic` |
    /// | `OPENFRAME_TOKEN` | `.bearer` |
    /// | `OPENFRAME_CLIENT_ID` + `OPENFRAME_CLIENT_SECRET` | `.oauth`, client_credentials grant |
    /// | `OPENFRAME_CLIENT_ID` + `OPENFRAME_CLIENT_SECRET` + `OPENFRAME_USERNAME` + `OPENFRAME_PASSWORD` | `.oauth`, password grant |
    /// | `OPENFRAME_API_KEY` | `.apiKey` (`x-sn-apikey`) |
    ///
    /// Half a pair (a username without a password, a client id without a secret) and more than
    /// one method at once (say a token and an API key) are `.configuration` errors that name
    /// the variables, never their values.
    public init(environment: [String: String]) throws(ForwardingError) {
        func value(_ key: String) -> String? {
            guard let text = environment[key], !text.isEmpty else { return nil }
            return text
        }
        typealias Key = EnvironmentKey
        let username = value(Key.username), password = value(Key.password)
        let clientID = value(Key.clientID), clientSecret = value(Key.clientSecret)
        let token = value(Key.token), apiKey = value(Key.apiKey)

        if (username == nil) != (password == nil) {
            let (set, missing) = username != nil ? (Key.username, Key.password) : (Key.password, Key.username)
            throw .configuration("\(set) is set but \(missing) is not: set both, or neither")
        }
        if (clientID == nil) != (clientSecret == nil) {
            let (set, missing) = clientID != nil ? (Key.clientID, Key.clientSecret) : (Key.clientSecret, Key.clientID)
            throw .configuration("\(set) is set but \(missing) is not: OAuth needs both")
        }

        var methods: [(names: String, auth: Authentication)] = []
        if let clientID, let clientSecret {
            if let username, let password {
                methods.append(
                    (
                        "\(Key.clientID)/\(Key.clientSecret) with \(Key.username)/\(Key.password) (OAuth password grant)",
                        .oauth(
                            OAuthSettings(
                                clientID: clientID, clientSecret: clientSecret, grant: .password(username: username, password: password)))
                    ))
            } else {
                methods.append(
                    ("\(Key.clientID)/\(Key.clientSecret) (OAuth)", .oauth(OAuthSettings(clientID: clientID, clientSecret: clientSecret))))
            }
        } else if let username, let password {
            methods.append(("\(Key.username)/\(Key.password) (basic)", .basic(username: username, password: password)))
        }
        if let token { methods.append(("\(Key.token) (bearer)", .bearer(token: token))) }
        if let apiKey { methods.append(("\(Key.apiKey) (API key)", .apiKey(apiKey))) }

        switch methods.count {
        case 0: self = .none
        case 1:
            self = methods[0].auth
            try validate()
        default:
            throw .configuration(
                "ambiguous authentication in the environment: " + methods.map(\.names).joined(separator: " and ")
                    + " are all set; set the variables of one method only")
        }
    }

    /// Authentication from `initializationOptions.auth`. The shapes, one per `type`:
    ///
    /// ```json
    /// {"type": "none"}
    /// {"type": "basic",  "username": "integration.user", "password": "…"}
    /// {"type": "bearer", "token": "…"}
    /// {"type": "oauth",  "clientId": "…", "clientSecret": "…"}
    /// {"type": "oauth",  "clientId": "…", "clientSecret": "…", "username": "…", "password": "…"}
    /// {"type": "oauth",  "clientId": "…", "clientSecret": "…", "grant": "client_credentials"}
    /// {"type": "oauth",  "clientId": "…", "clientSecret": "…", "grant": "password", "username": "…", "password": "…"}
    /// {"type": "apiKey", "key": "…"}
    /// ```
    ///
    /// - `type` is required (`"apikey"` in any letter case is accepted for `apiKey`).
    /// - Every listed member is a required non-empty string, except OAuth's `grant`
    ///   (`"client_credentials"` or `"password"`; when absent, it is `password` if
    ///   `username`/`password` are given, else `client_credentials`).
    /// - OAuth's `username` and `password` come together or not at all; with
    ///   `"grant": "client_credentials"` they must be absent.
    /// - Members not listed for the type are an error (a typo must not silently drop a credential).
    ///
    /// Errors name the member path (`initializationOptions.auth.password`), never a value.
    public init(json: JSONValue, path: String = "initializationOptions.auth") throws(ForwardingError) {
        guard case .object(let object) = json else {
            throw .configuration(
                "\(path) must be an object such as {\"type\": \"basic\", \"username\": …, \"password\": …}, not \(json.kindDescription)")
        }
        var seen = Set<String>()
        for member in object.members where !seen.insert(member.key).inserted {
            throw .configuration("\(path).\(member.key) is given twice")
        }
        guard let typeValue = object["type"] else {
            throw .configuration("\(path).type is required: one of \"none\", \"basic\", \"bearer\", \"oauth\", \"apiKey\"")
        }
        guard let type = typeValue.stringValue else {
            throw .configuration("\(path).type must be a string, not \(typeValue.kindDescription)")
        }

        func string(_ key: String) throws(ForwardingError) -> String {
            guard let value = object[key] else { throw .configuration("\(path).\(key) is required for type \"\(type)\"") }
            guard let text = value.stringValue else {
                throw .configuration("\(path).\(key) must be a string, not \(value.kindDescription)")
            }
            guard !text.isEmpty else { throw .configuration("\(path).\(key) must not be empty") }
            return text
        }
        func allow(_ keys: Set<String>) throws(ForwardingError) {
            for key in object.keys where key != "type" && !keys.contains(key) {
                let expected = keys.isEmpty ? "no other members" : keys.sorted().joined(separator: ", ")
                throw .configuration("\(path).\(key) is not a member of type \"\(type)\" (expected: \(expected))")
            }
        }

        switch type.lowercased() {
        case "none":
            try allow([])
            self = .none
        case "basic":
            try allow(["username", "password"])
            self = .basic(username: try string("username"), password: try string("password"))
        case "bearer":
            try allow(["token"])
            self = .bearer(token: try string("token"))
        case "apikey":
            try allow(["key"])
            self = .apiKey(try string("key"))
        case "oauth":
            try allow(["clientId", "clientSecret", "grant", "username", "password"])
            let clientID = try string("clientId"), clientSecret = try string("clientSecret")
            let hasUser = object["username"] != nil, hasPassword = object["password"] != nil
            if hasUser != hasPassword {
                throw .configuration(
                    "\(path): OAuth username and password come together (password grant) or not at all (client_credentials)")
            }
            var grantName = hasUser ? "password" : "client_credentials"
            if let grantValue = object["grant"] {
                guard let text = grantValue.stringValue else {
                    throw .configuration("\(path).grant must be a string, not \(grantValue.kindDescription)")
                }
                grantName = text
            }
            switch grantName {
            case "client_credentials":
                if hasUser { throw .configuration("\(path): grant \"client_credentials\" takes no username or password") }
                self = .oauth(OAuthSettings(clientID: clientID, clientSecret: clientSecret, grant: .clientCredentials))
            case "password":
                let grant = OAuthSettings.Grant.password(username: try string("username"), password: try string("password"))
                self = .oauth(OAuthSettings(clientID: clientID, clientSecret: clientSecret, grant: grant))
            default:
                throw .configuration("\(path).grant must be \"client_credentials\" or \"password\"")
            }
        default:
            throw .configuration("\(path).type must be one of \"none\", \"basic\", \"bearer\", \"oauth\", \"apiKey\"")
        }
        do {
            try validate()
        } catch {
            guard case .configuration(let message) = error else { throw error }
            throw .configuration("\(path): \(message)")
        }
    }

    /// `initializationOptions.auth` when the host gave one (not null), else the environment.
    /// An explicit setting from the host wins over ambient variables.
    public static func resolve(json: JSONValue?, environment: [String: String]) throws(ForwardingError) -> Authentication {
        if let json, !json.isNull { return try Authentication(json: json) }
        return try Authentication(environment: environment)
    }
}
