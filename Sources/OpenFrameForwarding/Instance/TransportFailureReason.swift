import CCurl

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
    /// What went wrong, from libcurl's `CURLcode` (and `errno` for a failed connect).
    enum Kind: Equatable {
        case refused, connectFailed, hostNotFound, proxyFailed, timedOut, connectionLost, badAnswer, cutShort
        case tlsHandshake, notResent, tooLarge, invalidRequest, libraryMissing, cancelled, other
    }

    var kind: Kind {
        switch self {
        case .cancelled: return .cancelled
        case .timedOut: return .timedOut
        case .answerTooLarge: return .tooLarge
        case .invalidRequest: return .invalidRequest
        case .libraryUnavailable: return .libraryMissing
        case .failed(let code, let osErrno, _, _):
            switch code {
            case CCURLE_COULDNT_CONNECT: return osErrno == Int(ECONNREFUSED) ? .refused : .connectFailed
            case CCURLE_COULDNT_RESOLVE_HOST: return .hostNotFound
            case CCURLE_COULDNT_RESOLVE_PROXY, CCURLE_PROXY: return .proxyFailed
            case CCURLE_OPERATION_TIMEDOUT: return .timedOut
            case CCURLE_SSL_CONNECT_ERROR, CCURLE_PEER_FAILED_VERIFICATION, CCURLE_SSL_CACERT_BADFILE,
                CCURLE_SSL_CERTPROBLEM, CCURLE_SSL_CIPHER, CCURLE_SSL_ISSUER_ERROR, CCURLE_SSL_CLIENTCERT:
                return .tlsHandshake
            case CCURLE_SEND_ERROR, CCURLE_RECV_ERROR, CCURLE_HTTP2, CCURLE_HTTP2_STREAM: return .connectionLost
            case CCURLE_GOT_NOTHING, CCURLE_WEIRD_SERVER_REPLY: return .badAnswer
            case CCURLE_PARTIAL_FILE, CCURLE_BAD_CONTENT_ENCODING: return .cutShort
            case CCURLE_SEND_FAIL_REWIND: return .notResent
            default: return .other
            }
        }
    }

    /// Whether any of the request may have reached the instance. Exact by construction: the
    /// transport knows whether a body byte ever left its hands.
    var requestWritten: Bool {
        switch self {
        case .cancelled, .invalidRequest, .libraryUnavailable: false
        case .timedOut(let written): written
        case .failed(_, _, _, let written): written
        case .answerTooLarge: true
        }
    }

    /// The request certainly never reached the instance.
    var nothingWasSent: Bool { !requestWritten }

    /// Only a refused connection is retried: DNS, routing and TLS failures will not go away in a second.
    var isConnectionRefused: Bool { kind == .refused && !requestWritten }

    /// A sentence for `ForwardingError.unreachable(reason:)`: what happened, and whether the
    /// instance may have acted. Never contains a URL (only the host), a header or a body.
    func reason(host: String, timeout: Double, operation: ForwardOperation) -> String {
        var curl = ""
        var code = 0
        if case .failed(let value, _, let message?, _) = self { curl = " (\(message))"; code = value }
        if case .failed(let value, _, nil, _) = self { code = value }
        let what: String
        switch kind {
        case .cancelled: return "the request to \(host) was cancelled"
        case .libraryMissing:
            if case .libraryUnavailable(let why) = self { return why }
            return "libcurl could not be loaded"
        case .invalidRequest:
            if case .invalidRequest(let why) = self { return "\(why); nothing was sent" }
            return "the request is malformed; nothing was sent"
        case .refused: what = "could not connect to \(host)\(curl.isEmpty ? " (connection refused)" : curl)"
        case .connectFailed: what = "could not connect to \(host)\(curl)"
        case .hostNotFound: what = "cannot find the host \(host) (DNS lookup failed)"
        case .proxyFailed: what = "the proxy towards \(host) failed\(curl)"
        case .timedOut:
            what =
                requestWritten
                ? "no complete answer from \(host) within \(Self.seconds(timeout))"
                : "could not send the request to \(host) within \(Self.seconds(timeout))"
        case .connectionLost: what = "the connection to \(host) was lost before a complete answer arrived\(curl)"
        case .badAnswer: what = "\(host) closed the connection without a valid HTTP answer\(curl)"
        case .cutShort: what = "the answer from \(host) was cut short\(curl)"
        case .tlsHandshake: what = "the TLS connection to \(host) failed\(curl.isEmpty ? " (handshake or certificate)" : curl)"
        case .notResent: what = "the connection to \(host) died after the request went out\(curl)"
        case .tooLarge:
            var status = 0, limit = 0
            if case .answerTooLarge(let s, let l) = self { status = s; limit = l }
            what =
                "could not read the answer from \(host) (HTTP \(status)): its body is larger than \(limit / (1024 * 1024)) MiB and was cut off"
        case .other: what = "the HTTP request to \(host) failed (CURLcode \(code))\(curl)"
        }
        return "\(what); \(nothingWasSent ? "nothing was sent" : operation.mayHaveActed)"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
