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

/// The openframe URLs under a base URL. Only checked values go into a path, so nothing a
/// host sends can make a request go anywhere else.
public struct InstanceEndpoint: Sendable, Equatable {
    public let baseURL: URL

    public init(baseURL: URL) { self.baseURL = baseURL }

    /// `{base}/api/now/openframe[/{apiVersion}]/voice-interaction`
    public func createURL(apiVersion: String?) throws(ForwardingError) -> URL {
        try url(path: "/api/now/openframe" + (try Self.versionSegment(apiVersion)) + "/voice-interaction")
    }

    /// `{base}/api/now/openframe[/{apiVersion}]/voice-interaction/{sysId}`
    public func updateURL(sysId: String, apiVersion: String?) throws(ForwardingError) -> URL {
        try Self.checkSysID(sysId)
        return try url(path: "/api/now/openframe" + (try Self.versionSegment(apiVersion)) + "/voice-interaction/" + sysId)
    }

    /// `{base}/oauth_token.do`
    public var tokenURL: URL { URL(string: baseURL.absoluteString + "/oauth_token.do")! }

    /// `v` followed by 1–9 ASCII digits (`v1`, `v2`); nil means the unversioned (latest) path.
    public static func checkAPIVersion(_ apiVersion: String) throws(ForwardingError) {
        let bytes = Array(apiVersion.utf8)
        guard bytes.count >= 2, bytes.count <= 10, bytes[0] == UInt8(ascii: "v"),
            bytes.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            throw .configuration("apiVersion must be \"v\" followed by digits, such as \"v1\" or \"v2\"")
        }
    }

    /// A sys_id is 32 hexadecimal characters.
    public static func checkSysID(_ sysId: String) throws(ForwardingError) {
        let bytes = Array(sysId.utf8)
        guard bytes.count == 32, bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) else {
            throw .configuration("sysId must be 32 hexadecimal characters (the sysId that create returned)")
        }
    }

    private static func versionSegment(_ apiVersion: String?) throws(ForwardingError) -> String {
        guard let apiVersion else { return "" }
        try checkAPIVersion(apiVersion)
        return "/" + apiVersion
    }

    private func url(path: String) throws(ForwardingError) -> URL {
        guard let url = URL(string: baseURL.absoluteString + path) else {
            throw .configuration("cannot form a URL from the instance base URL")
        }
        return url
    }
}
