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

/// One HTTP request as the instance client builds it. Header values may hold credentials:
/// this type is never printed or logged (its description says so and shows no header value).
struct HTTPExchangeRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var method: String
    var url: URL
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Seconds until the whole exchange is abandoned (connect, send, answer).
    var timeout: Double

    var description: String { "\(method) \(url.absoluteString) (\(body.count) bytes; headers not shown)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["summary": description], displayStyle: .struct) }
}

/// What came back: status, headers (names lowercased; repeated headers joined with ", "), body.
struct HTTPExchangeResponse: Sendable, Equatable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { "\($0), \($1)" })
        self.body = body
    }
}

/// Why no answer came back. Every case says whether any of the request left us: the instance
/// client decides from that alone whether the instance may have acted.
enum TransportFailure: Error, Sendable, Equatable {
    /// The caller's task was cancelled; the HTTP request was stopped.
    case cancelled
    /// Our own deadline (`HTTPExchangeRequest.timeout`) passed without a complete answer.
    case timedOut(requestWritten: Bool)
    /// libcurl failed: its `CURLcode`, the `errno` it saw (0 if none), its message, and whether
    /// any byte of the request body had been handed to it (before that, the instance cannot
    /// hold a complete request, so it cannot have acted).
    case failed(code: Int, osErrno: Int, message: String?, requestWritten: Bool)
    /// An answer (status known) whose body passed the cap; the transfer was cut off unread.
    case answerTooLarge(status: Int, limit: Int)
    /// The request itself is unfit to send (a header value with CR/LF); nothing was sent.
    case invalidRequest(String)
    /// libcurl cannot be loaded; the reason names the library.
    case libraryUnavailable(String)
}

/// Sends one request and returns the answer; one call, one exchange, never a retry.
/// The instance client owns every retry decision; implementations must not resend.
protocol HTTPTransport: Sendable {
    /// `onSent` is called once the whole request went out (if the implementation can tell),
    /// and in any case before the answer is returned.
    func send(_ request: HTTPExchangeRequest, onSent: @escaping @Sendable () -> Void) async throws(TransportFailure) -> HTTPExchangeResponse
}
