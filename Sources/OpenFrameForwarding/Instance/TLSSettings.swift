import JSON

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

/// Certificates for TLS towards the instance. Certificate verification is always on: these only
/// add trust (a corporate TLS-inspecting proxy's CA) or present a client certificate (mutual TLS).
/// There is no option to turn verification off.
public struct TLSSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// PEM bundle trusted instead of the system's CA store.
    public var caFile: String?
    /// PEM client certificate and its key, for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    /// The key's pass phrase: a secret, never printed.
    public var clientKeyPassword: String?

    public enum EnvironmentKey {
        public static let caFile = "OPENFRAME_CA_FILE"
        public static let clientCertificate = "OPENFRAME_CLIENT_CERT"
        public static let clientKey = "OPENFRAME_CLIENT_KEY"
        public static let clientKeyPassword = "OPENFRAME_CLIENT_KEY_PASSWORD"
    }

    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil, clientKeyPassword: String? = nil) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.clientKeyPassword = clientKeyPassword
    }

    /// From the environment (`OPENFRAME_CA_FILE`, `OPENFRAME_CLIENT_CERT`, `OPENFRAME_CLIENT_KEY`,
    /// `OPENFRAME_CLIENT_KEY_PASSWORD`), then `caFile` (`--ca-file`, which wins over the
    /// environment), then `initializationOptions.tls` (which wins over both):
    /// `{"caFile": "…", "clientCertificate": "…", "clientKey": "…", "clientKeyPassword": "…"}`.
    public static func resolve(
        caFile: String?, json: JSONValue?, environment: [String: String],
        path: String = "initializationOptions.tls"
    ) throws(ForwardingError) -> TLSSettings {
        func env(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        var settings = TLSSettings(
            caFile: env(EnvironmentKey.caFile), clientCertificate: env(EnvironmentKey.clientCertificate),
            clientKey: env(EnvironmentKey.clientKey), clientKeyPassword: env(EnvironmentKey.clientKeyPassword))
        if let caFile, !caFile.isEmpty { settings.caFile = caFile }
        if let json, json != .null {
            guard case .object(let object) = json else {
                throw .configuration(
                    "\(path) must be an object such as {\"caFile\": \"/etc/ssl/corp-ca.pem\"}, not \(json.kindDescription)")
            }
            let known = ["caFile", "clientCertificate", "clientKey", "clientKeyPassword"]
            for key in object.keys where !known.contains(key) {
                throw .configuration(
                    "\(path).\(key) is not a TLS option (expected: \(known.joined(separator: ", ")); verification cannot be turned off)")
            }
            func string(_ key: String) throws(ForwardingError) -> String? {
                guard let value = object[key], value != .null else { return nil }
                guard let text = value.stringValue, !text.isEmpty else { throw .configuration("\(path).\(key) must be a non-empty string") }
                return text
            }
            if let value = try string("caFile") { settings.caFile = value }
            if let value = try string("clientCertificate") { settings.clientCertificate = value }
            if let value = try string("clientKey") { settings.clientKey = value }
            if let value = try string("clientKeyPassword") { settings.clientKeyPassword = value }
        }
        return settings
    }

    /// Files must be readable now (not at the first forward); certificate and key come together.
    func validate() throws(ForwardingError) {
        for (name, file) in [("CA file", caFile), ("client certificate", clientCertificate), ("client key", clientKey)] {
            guard let file else { continue }
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw .configuration("the \(name) \(file) does not exist or cannot be read")
            }
        }
        if (clientCertificate == nil) != (clientKey == nil) {
            throw .configuration(
                "mutual TLS needs both a client certificate and its key (\(EnvironmentKey.clientCertificate) and \(EnvironmentKey.clientKey), or initializationOptions.tls.clientCertificate and .clientKey)"
            )
        }
        if clientKeyPassword != nil && clientKey == nil {
            throw .configuration("a client key password is given without a client key")
        }
    }

    var secrets: [String] { clientKeyPassword.map { [$0] } ?? [] }

    public var description: String {
        var parts: [String] = []
        if let caFile { parts.append("caFile: \(caFile)") }
        if let clientCertificate { parts.append("clientCertificate: \(clientCertificate)") }
        if let clientKey { parts.append("clientKey: \(clientKey)") }
        if clientKeyPassword != nil { parts.append("clientKeyPassword: \(redactedSecret)") }
        return parts.isEmpty ? "system CA store" : parts.joined(separator: ", ")
    }

    public var debugDescription: String { "TLSSettings(\(description))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["summary": description], displayStyle: .struct)
    }
}

extension InstanceConfiguration {
    /// Every secret the configuration holds, for scrubbing text from elsewhere.
    var secrets: [String] { authentication.secrets + tls.secrets }
}
