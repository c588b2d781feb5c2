import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `HTTPTransport` over URLSession (on Linux: swift-corelibs-foundation, i.e. libcurl).
///
/// ## One session, one connection, one exchange
///
/// Every exchange gets its own `URLSession`, created for it and invalidated after it, and
/// every request says `Connection: close`. So no TCP connection is ever pooled or reused.
///
/// Why: libcurl re-sends a request by itself when it went out on a *reused* keep-alive
/// connection that turns out to be dead and no answer byte came back ("Connection died,
/// retrying a fresh connect"), whatever the method. The server may well have read that
/// request and acted on it before the connection died. For a create that is a second
/// interaction record; for an update a second set of phone logs. It happens below
/// URLSession, so no URLSession setting turns it off, and the caller never hears of it.
/// Against the stand-in (`{"drop": "after_store"}` on the second POST of a kept-alive
/// connection) libcurl re-sent the POST on a fresh connection: the resend's headers went
/// out, and only because corelibs could not rewind the body did it hang instead of
/// storing a second record. libcurl only does this on a reused connection, and a session
/// per exchange has nothing to reuse (each URLSession has its own libcurl multi handle and
/// connection cache); `Connection: close` makes the server drop it too, so no idle
/// connection is left behind.
///
/// The cost: a fresh TCP connect, and for https a full TLS handshake, for every create,
/// update and token request (typically one extra round trip or two, tens of milliseconds,
/// and some CPU for the handshake). For a few calls per phone call that is cheap next to
/// a duplicate record.
///
/// ## Other libcurl / corelibs behaviour this works around
///
/// - A 401 that carries `WWW-Authenticate` (ServiceNow sends `BASIC realm="Service-now"`)
///   makes corelibs start its own challenge handling; with `data(for:)` the task then
///   never completes (seen with swift 6.3). Delegate-based tasks get the challenge; we
///   hand the 401 back as the answer and cancel the challenge.
/// - Redirects are never followed (a 307 would re-send the POST, credentials included, to
///   wherever `Location` says); the 3xx itself is the answer.
/// - `URLRequest.timeoutInterval` is truncated to whole seconds by corelibs (0.5 s becomes
///   "time out at once"), so the deadline is our own timer; the URLRequest gets a later one
///   as a backstop.
/// - Cancellation never blocks inside the task's cancellation handler (`URLSessionTask.cancel()`
///   waits for the session's queue, which may be busy delivering the answer to us): the
///   waiter is woken, and the transfer is stopped, from another queue.
/// - No cookies are stored or sent, no cache, no credential storage.
final class URLSessionTransport: HTTPTransport {
    init() {}

    func send(_ request: HTTPExchangeRequest, onSent: @escaping @Sendable () -> Void) async throws(TransportFailure) -> HTTPExchangeResponse {
        if Task.isCancelled { throw .cancelled }
        let exchange = Exchange(onSent: onSent)
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        delegateQueue.name = "openframe-rpc.instance-exchange"
        let session = URLSession(configuration: Self.sessionConfiguration(), delegate: exchange, delegateQueue: delegateQueue)
        let task = session.dataTask(with: Self.urlRequest(for: request))
        let timeout = request.timeout
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                exchange.start(continuation, task: task, timeout: timeout)
            }
        } onCancel: {
            exchange.cancelFromAnotherQueue()
        }
        // Lets the task finish (it has, or has been cancelled), then releases the session,
        // its delegate and its libcurl handles.
        session.finishTasksAndInvalidate()
        return try result.get()
    }

    static func sessionConfiguration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.httpMaximumConnectionsPerHost = 1
        return configuration
    }

    static func urlRequest(for request: HTTPExchangeRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpShouldHandleCookies = false
        urlRequest.cachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        // corelibs truncates this to whole seconds; our own timer fires first.
        urlRequest.timeoutInterval = (request.timeout.rounded(.up) + 5).clamped(to: 6...86_400)
        for header in request.headers { urlRequest.setValue(header.value, forHTTPHeaderField: header.name) }
        urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        if !request.body.isEmpty || request.method == "POST" || request.method == "PATCH" {
            urlRequest.httpBody = Data(request.body)
        }
        return urlRequest
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}

/// The state of one exchange, shared by the delegate callbacks (serial delegate queue),
/// the timeout timer and the cancellation handler. The first outcome wins; later ones are dropped.
private final class Exchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    typealias Outcome = Result<HTTPExchangeResponse, TransportFailure>

    private let lock = NSLock()
    private var continuation: CheckedContinuation<Outcome, Never>?
    private var outcome: Outcome?
    private var delivered = false
    private var task: URLSessionTask?
    private var timer: DispatchWorkItem?
    private var sentReported = false
    private let onSent: @Sendable () -> Void

    // Touched only on the serial delegate queue.
    private var status: Int?
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []

    init(onSent: @escaping @Sendable () -> Void) {
        self.onSent = onSent
    }

    func start(_ continuation: CheckedContinuation<Outcome, Never>, task: URLSessionTask, timeout: Double) {
        lock.lock()
        if let early = outcome {
            // Cancelled before it started: nothing goes out. The task is cancelled (not just
            // dropped) so that the session can finish it and be released.
            delivered = true
            lock.unlock()
            continuation.resume(returning: early)
            DispatchQueue.global().async { task.cancel() }
            return
        }
        self.continuation = continuation
        self.task = task
        let timer = DispatchWorkItem { [weak self] in
            self?.finish(.failure(.timedOut), stopTransfer: true)
        }
        self.timer = timer
        lock.unlock()
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, timeout), execute: timer)
        task.resume()
    }

    /// Called from the task's cancellation handler: must not block.
    func cancelFromAnotherQueue() {
        DispatchQueue.global().async { self.finish(.failure(.cancelled), stopTransfer: true) }
    }

    private func finish(_ result: Outcome, stopTransfer: Bool) {
        lock.lock()
        guard outcome == nil else { lock.unlock(); return }
        outcome = result
        let continuation = self.continuation
        self.continuation = nil
        if continuation != nil { delivered = true }
        let timer = self.timer
        self.timer = nil
        let task = self.task
        lock.unlock()
        timer?.cancel()
        continuation?.resume(returning: result)
        if stopTransfer, let task {
            // Off any queue URLSession might be waiting on.
            DispatchQueue.global().async { task.cancel() }
        }
    }

    private func reportSent() {
        lock.lock()
        let first = !sentReported
        sentReported = true
        lock.unlock()
        if first { onSent() }
    }

    // MARK: URLSession delegate (serial delegate queue)

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64, totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        if totalBytesExpectedToSend <= 0 || totalBytesSent >= totalBytesExpectedToSend { reportSent() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse, completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        record(response)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // An openframe answer is a few hundred bytes; a runaway body (a proxy streaming a
        // huge page) is kept only up to the cap, which is still plenty to say what it was.
        let room = Self.maxBody - body.count
        if room > 0 { body.append(contentsOf: data.prefix(room)) }
    }

    static let maxBody = 4 * 1024 * 1024

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge, completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        // corelibs raises this for a 401 with WWW-Authenticate once the whole answer is in.
        // We never answer challenges (credentials go in headers); the 401 is the answer.
        if let response = challenge.failureResponse { record(response) }
        if let status {
            reportSent()
            finish(.success(HTTPExchangeResponse(status: status, headers: headers, body: body)), stopTransfer: false)
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error {
            // Our own cancellation and timeout have already finished the exchange, so a
            // "cancelled" arriving here came from inside URLSession: a failure, not the caller's wish.
            let nsError = error as NSError
            let code = nsError.domain == NSURLErrorDomain ? nsError.code : NSURLErrorUnknown
            finish(.failure(.failed(code: code, message: Self.curlMessage(nsError))), stopTransfer: false)
            return
        }
        guard let status else {
            finish(.failure(.failed(code: NSURLErrorBadServerResponse, message: "no HTTP status line")), stopTransfer: false)
            return
        }
        reportSent()
        finish(.success(HTTPExchangeResponse(status: status, headers: headers, body: body)), stopTransfer: false)
    }

    private func record(_ response: URLResponse) {
        guard let http = response as? HTTPURLResponse else { return }
        status = http.statusCode
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            guard let name = (key as? String)?.lowercased() else { continue }
            let text = (value as? String) ?? "\(value)"
            fields[name] = fields[name].map { "\($0), \(text)" } ?? text
        }
        headers = fields
    }

    /// libcurl's own words ("Empty reply from server"), never the URL: the
    /// localized description is only used when it does not mention one.
    private static func curlMessage(_ error: NSError) -> String? {
        guard let text = error.userInfo[NSLocalizedDescriptionKey] as? String, !text.isEmpty else { return nil }
        if text.contains("://") { return nil }
        return String(text.prefix(200))
    }
}
