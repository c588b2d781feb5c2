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
    /// Connection refused (or no route): the request never left, so sending again is safe.
    var nothingWasSent: Bool {
        guard case .failed(let code, _) = self else { return false }
        return [NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed,
                NSURLErrorNotConnectedToInternet].contains(code) || Self.tlsCodes.contains(code)
    }

    /// Only a refused connection is retried: DNS and TLS failures will not go away in a second.
    var isConnectionRefused: Bool {
        if case .failed(let code, _) = self { return code == NSURLErrorCannotConnectToHost }
        return false
    }

    private static let tlsCodes: Set<Int> = [
        NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateHasBadDate, NSURLErrorServerCertificateUntrusted,
        NSURLErrorServerCertificateHasUnknownRoot, NSURLErrorServerCertificateNotYetValid,
        NSURLErrorClientCertificateRejected, NSURLErrorClientCertificateRequired,
    ]

    /// A sentence for `ForwardingError.unreachable(reason:)`: what happened, and whether the
    /// instance may have acted. Never contains a URL (only the host), a header or a body.
    func reason(host: String, timeout: Double, operation: ForwardOperation) -> String {
        let consequence = nothingWasSent ? "nothing was sent" : operation.mayHaveActed
        let what: String
        switch self {
        case .cancelled:
            return "the request to \(host) was cancelled"
        case .timedOut:
            what = "no complete answer from \(host) within \(Self.seconds(timeout))"
        case .failed(let code, let message):
            let curl = message.map { " (\($0))" } ?? ""
            switch code {
            case NSURLErrorCannotConnectToHost:
                what = "could not connect to \(host)\(curl.isEmpty ? " (connection refused)" : curl)"
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed:
                what = "cannot find the host \(host) (DNS lookup failed)"
            case NSURLErrorNotConnectedToInternet:
                what = "no network connection"
            case NSURLErrorTimedOut:
                what = "no complete answer from \(host) within \(Self.seconds(timeout))"
            case NSURLErrorNetworkConnectionLost:
                what = "the connection to \(host) was lost before a complete answer arrived\(curl)"
            case NSURLErrorBadServerResponse, NSURLErrorCannotParseResponse:
                what = "\(host) closed the connection without a valid HTTP answer\(curl)"
            case NSURLErrorSecureConnectionFailed:
                what = "the TLS connection to \(host) failed\(curl)"
            case NSURLErrorServerCertificateHasBadDate, NSURLErrorServerCertificateNotYetValid:
                what = "the TLS certificate of \(host) is expired or not yet valid\(curl)"
            case NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasUnknownRoot:
                what = "the TLS certificate of \(host) is not trusted\(curl)"
            case NSURLErrorClientCertificateRejected, NSURLErrorClientCertificateRequired:
                what = "\(host) asked for a TLS client certificate\(curl)"
            case NSURLErrorCancelled:
                what = "the HTTP layer cancelled the request to \(host)"
            default:
                what = "the HTTP request to \(host) failed (URLError \(code))\(curl)"
            }
        }
        return "\(what); \(consequence)"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
