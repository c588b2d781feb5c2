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

/// One libcurl multi handle and the one thread that drives it.
///
/// Everything libcurl does for a transport happens on this thread: adding and removing easy
/// handles, `curl_multi_perform`, the callbacks, the deadline checks. Other threads only put
/// exchanges into the inbox (or ask for their removal) and wake the thread with
/// `curl_multi_wakeup`, which never blocks. So a cancelled Swift task never waits for libcurl,
/// and the cooperative pool never runs a libcurl call.
///
/// The multi handle keeps the connection cache: connections (with their TLS sessions) are
/// reused by later creates, updates and token requests, up to `maxConnections` at once
/// (HTTP/2 streams multiplexed on one when the server offers it). Easy handles are kept too
/// (reset between uses), so each keeps its TLS session cache.
final class CurlMultiDriver: @unchecked Sendable {
    private struct Inbox {
        var toStart: [CurlExchange] = []
        var toRemove: [CurlExchange] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let settings: CurlSettings

    // Multi thread only.
    private var active: [UnsafeMutableRawPointer: CurlExchange] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    init?(settings: CurlSettings) {
        guard let multi = ccurl_multi_init() else { return nil }
        self.multi = multi
        self.settings = settings
        let limit = settings.maxConnections
        ccurl_multi_set_long(multi, Int32(CCURLMOPT_PIPELINING), Int(CCURLPIPE_MULTIPLEX))
        ccurl_multi_set_long(multi, Int32(CCURLMOPT_MAX_HOST_CONNECTIONS), limit)
        ccurl_multi_set_long(multi, Int32(CCURLMOPT_MAX_TOTAL_CONNECTIONS), limit)
        ccurl_multi_set_long(multi, Int32(CCURLMOPT_MAXCONNECTS), limit)
        thread = DedicatedThread(name: "openframe-rpc.curl", stackSize: 512 * 1024) { [self] in run() }
    }

    /// The multi thread (tests check that it ends with its transport).
    private(set) var thread: DedicatedThread!

    func start(_ exchange: CurlExchange) {
        inbox.withLock { $0.toStart.append(exchange) }
        ccurl_multi_wakeup(multi)
    }

    /// Removes the exchange's transfer (closing its connection if it was mid-way).
    func remove(_ exchange: CurlExchange) {
        inbox.withLock { $0.toRemove.append(exchange) }
        ccurl_multi_wakeup(multi)
    }

    /// Ends the thread: transfers in flight fail as cancelled, connections are closed.
    func stop() {
        inbox.withLock { $0.stopping = true }
        ccurl_multi_wakeup(multi)
    }

    // MARK: the thread

    private func run() {
        while true {
            let (starting, removing, stopping) = inbox.withLock { box in
                defer { box.toStart = []; box.toRemove = [] }
                return (box.toStart, box.toRemove, box.stopping)
            }
            for exchange in removing { end(exchange, .failure(.cancelled)) }
            if stopping {
                for exchange in Array(active.values) + starting { end(exchange, .failure(.cancelled)) }
                for easy in idleHandles { ccurl_easy_cleanup(easy) }
                idleHandles = []
                ccurl_multi_cleanup(multi)
                return
            }
            for exchange in starting where !exchange.isFinished { begin(exchange) }

            var running: Int32 = 0
            ccurl_multi_perform(multi, &running)
            var code: Int32 = 0
            while let easy = ccurl_multi_next_done(multi, &code) {
                if let exchange = active[easy] { end(exchange, exchange.outcome(code: code)) }
            }

            // Our own deadline, whatever libcurl's timers do.
            let now = ContinuousClock.now
            var next: ContinuousClock.Instant?
            for exchange in Array(active.values) {
                if exchange.deadline <= now {
                    end(exchange, .failure(.timedOut(requestWritten: exchange.requestWritten)))
                } else if next == nil || exchange.deadline < next! {
                    next = exchange.deadline
                }
            }
            var wait = 1000
            if let next {
                let left = next - now
                let ms = Int(left.components.seconds) * 1000 + Int(left.components.attoseconds / 1_000_000_000_000_000) + 1
                wait = max(1, min(wait, ms))
            }
            ccurl_multi_poll(multi, Int32(wait))
        }
    }

    private func begin(_ exchange: CurlExchange) {
        guard let easy = idleHandles.popLast() ?? ccurl_easy_init() else {
            exchange.finish(.failure(.failed(code: 2, osErrno: 0, message: "curl_easy_init failed", requestWritten: false)))
            return
        }
        exchange.easy = easy
        if let problem = configure(easy, for: exchange) {
            exchange.finish(
                .failure(
                    .failed(
                        code: Int(problem), osErrno: 0, message: ccurl_easy_strerror(problem).map { String(cString: $0) },
                        requestWritten: false)))
            recycle(exchange)
            return
        }
        active[easy] = exchange
        let added = ccurl_multi_add_handle(multi, easy)
        if added != 0 {
            active[easy] = nil
            exchange.finish(
                .failure(.failed(code: 2, osErrno: 0, message: "curl_multi_add_handle failed (\(added))", requestWritten: false)))
            recycle(exchange)
        }
    }

    /// Delivers the outcome (unless one came first) and takes the transfer out of the multi handle.
    private func end(_ exchange: CurlExchange, _ outcome: CurlExchange.Outcome) {
        exchange.finish(outcome)
        guard let easy = exchange.easy, active.removeValue(forKey: easy) != nil else { return }
        ccurl_multi_remove_handle(multi, easy)
        recycle(exchange)
    }

    private func recycle(_ exchange: CurlExchange) {
        guard let easy = exchange.easy else { return }
        exchange.easy = nil
        ccurl_easy_reset(easy)
        if let list = exchange.headerList { ccurl_slist_free_all(list); exchange.headerList = nil }
        if idleHandles.count < settings.maxConnections {
            idleHandles.append(easy)
        } else {
            ccurl_easy_cleanup(easy)
        }
    }

    /// Every option of one exchange; a non-zero CURLcode when an essential one is refused.
    private func configure(_ easy: UnsafeMutableRawPointer, for exchange: CurlExchange) -> Int32? {
        let request = exchange.request
        let user = Unmanaged.passUnretained(exchange).toOpaque()
        var failure: Int32?
        func essential(_ code: Int32) { if code != 0 && failure == nil { failure = code } }
        func long(_ option: Int32, _ value: Int) -> Int32 { ccurl_easy_set_long(easy, option, value) }
        func string(_ option: Int32, _ value: String) -> Int32 {
            value.withCString { ccurl_easy_set_pointer(easy, option, $0) }  // libcurl copies strings
        }

        essential(string(Int32(CCURLOPT_URL), request.url.absoluteString))
        essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_ERRORBUFFER), exchange.errorBuffer))
        exchange.errorBuffer[0] = 0
        essential(long(Int32(CCURLOPT_NOSIGNAL), 1))
        // Only http and https, never a redirect, no cookie engine (COOKIEFILE unset), no
        // compression (ACCEPT_ENCODING unset; the header below says identity).
        _ = string(Int32(CCURLOPT_PROTOCOLS_STR), "http,https")
        essential(long(Int32(CCURLOPT_FOLLOWLOCATION), 0))
        // Deadline: ours is checked on this thread; libcurl's is a backstop just after it.
        let left = exchange.deadline - ContinuousClock.now
        let ms = max(1, Int(left.components.seconds) * 1000 + Int(left.components.attoseconds / 1_000_000_000_000_000))
        essential(long(Int32(CCURLOPT_TIMEOUT_MS), ms + 250))
        essential(long(Int32(CCURLOPT_CONNECTTIMEOUT_MS), ms + 250))
        if request.url.scheme == "https" {
            // HTTP/2 when the instance offers it (ALPN); refused by a libcurl without nghttp2: fine.
            _ = long(Int32(CCURLOPT_HTTP_VERSION), Int(CCURL_HTTP_VERSION_2TLS))
            // Wait for a connection being set up rather than open another, in case it multiplexes.
            // Only for https: ALPN says so at the handshake. Over plain http libcurl would only know
            // from the first answer, and every other request would wait for that (a slow create
            // would hold up all the others).
            _ = long(Int32(CCURLOPT_PIPEWAIT), 1)
        }
        essential(long(Int32(CCURLOPT_MAXAGE_CONN), settings.maxIdleSeconds))

        if let file = settings.tls.caFile { essential(string(Int32(CCURLOPT_CAINFO), file)) }
        if let file = settings.tls.clientCertificate { essential(string(Int32(CCURLOPT_SSLCERT), file)) }
        if let file = settings.tls.clientKey { essential(string(Int32(CCURLOPT_SSLKEY), file)) }
        if let password = settings.tls.clientKeyPassword { essential(string(Int32(CCURLOPT_KEYPASSWD), password)) }

        switch request.method {
        case "GET":
            essential(long(Int32(CCURLOPT_HTTPGET), 1))
        default:
            essential(long(Int32(CCURLOPT_POST), 1))
            if request.method != "POST" { essential(string(Int32(CCURLOPT_CUSTOMREQUEST), request.method)) }
            essential(ccurl_easy_set_off(easy, Int32(CCURLOPT_POSTFIELDSIZE_LARGE), Int64(request.body.count)))
            essential(ccurl_easy_set_data_callback(easy, Int32(CCURLOPT_READFUNCTION), curlReadCallback))
            essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_READDATA), user))
            essential(ccurl_easy_set_seek_callback(easy, curlSeekCallback))
            essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_SEEKDATA), user))
        }
        essential(ccurl_easy_set_prereq_callback(easy, curlPrereqCallback))
        essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_PREREQDATA), user))
        essential(ccurl_easy_set_data_callback(easy, Int32(CCURLOPT_WRITEFUNCTION), curlWriteCallback))
        essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_WRITEDATA), user))
        essential(ccurl_easy_set_data_callback(easy, Int32(CCURLOPT_HEADERFUNCTION), curlHeaderCallback))
        essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_HEADERDATA), user))

        var list: UnsafeMutableRawPointer?
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:", "Accept-Encoding: identity"] {
            list = line.withCString { ccurl_slist_append(list, $0) }
        }
        exchange.headerList = list
        essential(ccurl_easy_set_pointer(easy, Int32(CCURLOPT_HTTPHEADER), list))
        return failure
    }
}

/// What every transfer of one transport shares.
struct CurlSettings: Sendable {
    var maxConnections: Int
    /// Idle connections older than this are not reused (closed): below common proxy and load
    /// balancer idle timeouts (60 s and more), so we never send on a connection the far end is
    /// about to drop.
    var maxIdleSeconds: Int = 30
    var tls: TLSSettings = TLSSettings()
}
