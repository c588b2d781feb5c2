import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a forward was doing, for saying what a failure means for the record.
enum ForwardOperation: Sendable {
    case create
    case update
    case token

    /// What may have happened when the request went out but no answer came back.
    var mayHaveActed: String {
        switch self {
        case .create: "the instance may have created the record; not retried"
        case .update: "the instance may have applied the update; not retried"
        case .token: "no interaction was sent"
        }
    }
}

extension TransportFailure {
    /// What went wrong, as far as the URLError code and libcurl's message tell.
    ///
    /// corelibs maps only a few libcurl errors to specific `URLError` codes: ECONNREFUSED →
    /// cannotConnectToHost, DNS → cannotFindHost, timeouts → timedOut, ECONNRESET while
    /// sending or receiving → networkConnectionLost, "empty reply" → badServerResponse.
    /// Everything else, every TLS failure included, is NSURLErrorUnknown (-1) with libcurl's
    /// message, so for -1 the message decides. When in doubt, the failure is one where the
    /// instance may have acted.
    enum Kind: Equatable {
        case refused, connectFailed, hostNotFound, offline, timedOut, connectionLost, badAnswer
        case tlsHandshake, tlsBroken, cancelledInside, other
    }

    var kind: Kind {
        switch self {
        case .cancelled: return .cancelledInside
        case .timedOut: return .timedOut
        case .failed(let code, let message):
            switch code {
            case NSURLErrorCannotConnectToHost: return .refused
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return .hostNotFound
            case NSURLErrorNotConnectedToInternet: return .offline
            case NSURLErrorTimedOut: return .timedOut
            case NSURLErrorNetworkConnectionLost: return .connectionLost
            case NSURLErrorBadServerResponse, NSURLErrorCannotParseResponse: return .badAnswer
            case NSURLErrorCancelled: return .cancelledInside
            // corelibs' NSURLError… constants for TLS are one off from URLError.Code's; take the range.
            case -1207 ... -1200: return .tlsHandshake
            default:
                let text = message ?? ""
                // libcurl: "Failed to connect to h port p after n ms: No route to host"
                if text.hasPrefix("Failed to connect to") { return .connectFailed }
                // Mid-stream TLS failures name the read/write call ("OpenSSL SSL_read: …").
                if text.contains("SSL_read") || text.contains("SSL_write") { return .tlsBroken }
                if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") { return .tlsHandshake }
                return .other
            }
        }
    }

    /// The request certainly never left: the connection or the TLS handshake failed first.
    var nothingWasSent: Bool {
        switch kind {
        case .refused, .connectFailed, .hostNotFound, .offline, .tlsHandshake: true
        default: false
        }
    }

    /// Only a refused connection is retried: DNS, routing and TLS failures will not go away in a second.
    var isConnectionRefused: Bool { kind == .refused }

    /// A sentence for `ForwardingError.unreachable(reason:)`: what happened, and whether the
    /// instance may have acted. Never contains a URL (only the host), a header or a body.
    func reason(host: String, timeout: Double, operation: ForwardOperation) -> String {
        if case .cancelled = self { return "the request to \(host) was cancelled" }
        var curl = ""
        if case .failed(_, let message?) = self { curl = " (\(message))" }
        let what: String
        switch kind {
        case .refused: what = "could not connect to \(host)\(curl.isEmpty ? " (connection refused)" : curl)"
        case .connectFailed: what = "could not connect to \(host)\(curl)"
        case .hostNotFound: what = "cannot find the host \(host) (DNS lookup failed)"
        case .offline: what = "no network connection"
        case .timedOut: what = "no complete answer from \(host) within \(Self.seconds(timeout))"
        case .connectionLost: what = "the connection to \(host) was lost before a complete answer arrived\(curl)"
        case .badAnswer: what = "\(host) closed the connection without a valid HTTP answer\(curl)"
        case .tlsHandshake: what = "the TLS connection to \(host) failed\(curl.isEmpty ? " (handshake or certificate)" : curl)"
        case .tlsBroken: what = "the TLS connection to \(host) broke during the exchange\(curl)"
        case .cancelledInside: what = "the HTTP layer cancelled the request to \(host)"
        case .other:
            var code = 0
            if case .failed(let value, _) = self { code = value }
            what = "the HTTP request to \(host) failed (URLError \(code))\(curl)"
        }
        return "\(what); \(nothingWasSent ? "nothing was sent" : operation.mayHaveActed)"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
