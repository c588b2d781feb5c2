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

/// The body format on the wire: `Content-Type` and `Accept` are `application/json` or `application/xml`.
public enum WireFormat: String, Sendable, CaseIterable {
    case json
    case xml

    public var mediaType: String {
        switch self {
        case .json: "application/json"
        case .xml: "application/xml"
        }
    }
}

/// Everything the instance client needs to know, checked once at start-up.
///
/// Printing or dumping it never shows a secret: `authentication` redacts itself.
public struct InstanceConfiguration: Sendable, CustomStringConvertible {
    /// The resolved base URL: scheme, host, optional port and path prefix; no trailing slash,
    /// no query, no fragment, no user info.
    public let baseURL: URL
    public var authentication: Authentication
    public var wireFormat: WireFormat
    /// Seconds one HTTP exchange may take, from connecting to the last byte of the answer.
    public var requestTimeout: Double
    /// At most this many creates/updates are in flight; the rest wait in arrival order.
    public var maxConcurrentForwards: Int
    /// Total attempts for one forward (1 = never retry). Retries happen only when the instance
    /// certainly did not act: connection refused, or a 429/503.
    public var maxAttempts: Int
    /// `openframe-rpc/<version>`.
    public let userAgent: String
    /// First backoff step in seconds (full jitter: the n-th retry waits a random time in
    /// 0...retryBaseDelay·2^(n-1), at most `maxRetryDelay`).
    public var retryBaseDelay: Double
    /// Cap on any wait before a retry, whether from Retry-After or from backoff.
    public var maxRetryDelay: Double
    /// CA bundle and client certificate for TLS (verification is always on).
    public let tls: TLSSettings

    public static let defaultRequestTimeout: Double = 30
    public static let defaultMaxConcurrentForwards = 16
    public static let defaultMaxAttempts = 3

    /// - Parameters:
    ///   - instance: `--instance` or its environment value: a bare instance name such as
    ///     `dev12345` (meaning `https://dev12345.service-now.com`) or a full http(s) URL.
    ///   - version: the program version, for `User-Agent: openframe-rpc/<version>`.
    ///   - allowInsecureHTTP: allow `http://` to hosts other than loopback.
    public init(
        instance: String,
        version: String,
        authentication: Authentication = .none,
        wireFormat: WireFormat = .json,
        requestTimeout: Double = InstanceConfiguration.defaultRequestTimeout,
        maxConcurrentForwards: Int = InstanceConfiguration.defaultMaxConcurrentForwards,
        maxAttempts: Int = InstanceConfiguration.defaultMaxAttempts,
        allowInsecureHTTP: Bool = false,
        retryBaseDelay: Double = 0.5,
        maxRetryDelay: Double = 60,
        tls: TLSSettings = TLSSettings()
    ) throws(ForwardingError) {
        baseURL = try Self.resolveBaseURL(instance, allowInsecureHTTP: allowInsecureHTTP)
        guard !version.isEmpty, version.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
            throw .configuration("the version for the User-Agent must be printable ASCII without spaces or '/'")
        }
        userAgent = "openframe-rpc/\(version)"
        guard requestTimeout.isFinite, requestTimeout > 0 else {
            throw .configuration("the request timeout must be a positive number of seconds")
        }
        guard maxConcurrentForwards >= 1 else {
            throw .configuration("maxConcurrentForwards must be at least 1")
        }
        guard maxAttempts >= 1 else {
            throw .configuration("maxAttempts must be at least 1 (1 means never retry)")
        }
        guard retryBaseDelay.isFinite, retryBaseDelay >= 0, maxRetryDelay.isFinite, maxRetryDelay >= 0 else {
            throw .configuration("retry delays must be finite and not negative")
        }
        try authentication.validate()
        try tls.validate()
        self.tls = tls
        self.authentication = authentication
        self.wireFormat = wireFormat
        self.requestTimeout = requestTimeout
        self.maxConcurrentForwards = maxConcurrentForwards
        self.maxAttempts = maxAttempts
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
    }

    public var description: String {
        "instance \(baseURL.absoluteString), auth \(authentication), \(wireFormat.rawValue), timeout \(requestTimeout) s, "
            + "max \(maxConcurrentForwards) concurrent, \(maxAttempts) attempts, \(userAgent), TLS: \(tls)"
    }

    /// `host` or `host:port`, as progress reports name the instance.
    public var hostLabel: String {
        let host = baseURL.host ?? baseURL.absoluteString
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return baseURL.port.map { "\(shown):\($0)" } ?? shown
    }

    // MARK: base URL

    /// Resolves `--instance`:
    /// - a bare name (one DNS label, e.g. `dev12345`) → `https://dev12345.service-now.com`;
    /// - an `https://` or `http://` URL is taken as is, minus trailing slashes. It must have a
    ///   host, and no query, fragment or user info (credentials never go in URLs);
    /// - plain `http://` only to loopback hosts (127.0.0.0/8, `localhost`, `::1`) unless
    ///   `allowInsecureHTTP`.
    public static func resolveBaseURL(_ instance: String, allowInsecureHTTP: Bool) throws(ForwardingError) -> URL {
        let text = instance.trimmingWhiteSpace()
        guard !text.isEmpty else {
            throw .configuration("no instance given: use a name such as dev12345 or a URL such as https://dev12345.service-now.com")
        }
        if isDNSLabel(text) {
            return URL(string: "https://\(text.lowercased()).service-now.com")!
        }
        guard let schemeEnd = text.firstRange(of: "://") else {
            if !text.contains("/"), !text.contains("?"), text.contains(".") {
                throw .configuration("instance \"\(shown(text))\" has no scheme: write https://\(shown(text))")
            }
            throw .configuration("instance \"\(shown(text))\" is neither an instance name (letters, digits and '-') nor an http(s) URL")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw .configuration(
                "instance URL scheme must be https (or http to loopback), not \"\(shown(String(text[..<schemeEnd.lowerBound])))\"")
        }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }) else {
            throw .configuration("instance URL \"\(shown(text))\" contains spaces, backslashes or non-ASCII characters")
        }
        guard var components = URLComponents(string: text), let rawHost = components.host, !rawHost.isEmpty else {
            throw .configuration("instance URL \"\(shown(text))\" is not a valid URL with a host")
        }
        guard components.user == nil, components.password == nil, !text[schemeEnd.upperBound...].prefix(while: { $0 != "/" }).contains("@")
        else {
            throw .configuration(
                "instance URL must not contain user info: give credentials with OPENFRAME_USERNAME/OPENFRAME_PASSWORD or initializationOptions.auth"
            )
        }
        guard components.query == nil, !text.contains("?") else {
            throw .configuration("instance URL must not have a query (\"?…\")")
        }
        guard components.fragment == nil, !text.contains("#") else {
            throw .configuration("instance URL must not have a fragment (\"#…\")")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .configuration("instance URL port \(port) is out of range")
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        if scheme == "http" && !allowInsecureHTTP && !isLoopback(host) {
            throw .configuration(
                "instance URL uses plain http to \(host), which is not a loopback host: credentials and records would cross the network unencrypted. "
                    + "Use https, or allow it explicitly (allowInsecureHTTP)")
        }
        components.scheme = scheme
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path
        guard let url = components.url else {
            throw .configuration("instance URL \"\(shown(text))\" is not a valid URL")
        }
        return url
    }

    /// 127.0.0.0/8, `localhost` (and `*.localhost`), `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "localhost." { return true }
        if lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { return nil }
            return Int(part).flatMap { $0 <= 255 ? $0 : nil }
        }
        return octets.count == 4 && octets[0] == 127
    }

    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        return alnum(bytes.first!) && alnum(bytes.last!) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// Shortened for messages (the input is a URL or name, never a credential: user info is refused
    /// before it could be echoed… but to be safe, anything after '@' in the authority is hidden).
    private static func shown(_ text: String) -> String {
        var text = text
        if let at = text.firstIndex(of: "@") { text = "…" + text[text.index(after: at)...] }
        return text.count > 100 ? String(text.prefix(100)) + "…" : text
    }
}
