import CCurl
import Locking
import Synchronization

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

/// `HTTPTransport` on libcurl's own API, loaded on the first send (see `CurlMultiDriver`).
///
/// One per instance client: its creates, updates and OAuth token requests share connections.
///
/// ## Never a silent re-send
///
/// libcurl re-sends a request by itself when a *reused* connection turns out dead before any
/// answer byte came back (`Curl_retry_request`, lib/transfer.c). The instance may have read
/// and acted on the first one. So the body goes to libcurl through a read callback and the
/// seek callback refuses to rewind once any body byte left our hands: libcurl then re-sends
/// only a request of which nothing was handed over (the instance cannot hold a complete
/// request), and otherwise fails with `CURLE_SEND_FAIL_REWIND`, reported as "may have acted".
/// A PREREQFUNCTION guard refuses a new start after body bytes were handed over (libcurl 7.88
/// skips the rewind when none of them was *written*, which would send a truncated body).
/// `Expect: 100-continue` is never used.
///
/// ## Hard limits
///
/// The deadline is armed before anything else and checked on the multi thread; an answer body
/// past 4 MiB aborts the transfer; `Accept-Encoding: identity` (no compression, so no bomb);
/// redirects are never followed; no cookies. A transfer that ends early (cancelled, timed out,
/// too large, failed) has its connection closed, never returned to the pool.
final class CurlTransport: HTTPTransport {
    private let settings: CurlSettings
    private let driver = Mutex<CurlMultiDriver?>(nil)

    init(settings: CurlSettings) {
        self.settings = settings
    }

    deinit {
        driver.withLock { $0?.stop() }
    }

    func send(_ request: HTTPExchangeRequest, onSent: @escaping @Sendable () -> Void) async throws(TransportFailure) -> HTTPExchangeResponse
    {
        let deadline = ContinuousClock.now + .nanoseconds(Int64(min(max(request.timeout, 0.001), 86_400) * 1e9))
        if Task.isCancelled { throw .cancelled }
        for header in request.headers {
            let bad = { (text: String) in text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F } }
            if bad(header.name) || bad(header.value) || header.name.contains(":") || header.name.isEmpty {
                throw .invalidRequest(
                    "the \(header.name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } ? header.name : "request") header contains a control character or is malformed"
                )
            }
        }
        let driver = try startedDriver()
        let exchange = CurlExchange(request: request, deadline: deadline, onSent: onSent)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if exchange.attach(continuation) { driver.start(exchange) }
            }
        } onCancel: {
            exchange.finish(.failure(.cancelled))
            driver.remove(exchange)
        }
        return try outcome.get()
    }

    /// The multi thread, once started (tests).
    var driverThread: DedicatedThread? { driver.withLock { $0?.thread } }

    private func startedDriver() throws(TransportFailure) -> CurlMultiDriver {
        if let reason = CurlLibrary.loadError() { throw .libraryUnavailable(reason) }
        let made: CurlMultiDriver? = driver.withLock { slot in
            if slot == nil { slot = CurlMultiDriver(settings: settings) }
            return slot
        }
        guard let made else { throw .libraryUnavailable("libcurl is loaded but curl_multi_init failed") }
        return made
    }
}

/// libcurl, loaded once per process on first use.
enum CurlLibrary {
    /// nil when libcurl is usable, else why not (naming the library).
    static func loadError() -> String? {
        if ccurl_load() == 0 { return nil }
        return ccurl_load_error().map { String(cString: $0) } ?? "libcurl could not be loaded"
    }

    /// "libcurl/7.88.1 OpenSSL/3.0.… …", or nil when it cannot be loaded.
    static var version: String? {
        guard loadError() == nil, let text = ccurl_version() else { return nil }
        return String(cString: text)
    }
}
