import CCurl
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

/// One request/answer on a libcurl easy handle: the body handed out through the read callback,
/// the answer collected through the header and write callbacks, and the outcome delivered once.
///
/// The callbacks run on the multi thread only, and only while the easy handle is in the multi
/// handle; the driver keeps the exchange alive until then. The outcome may also be set by the
/// caller's cancellation handler: the first outcome wins.
final class CurlExchange: @unchecked Sendable {
    /// Answers are a few hundred bytes; anything past this is cut off unread (an endless
    /// chunked body, a proxy's page, a bomb).
    static let maxBody = 4 * 1024 * 1024

    typealias Outcome = Result<HTTPExchangeResponse, TransportFailure>

    let request: HTTPExchangeRequest
    let deadline: ContinuousClock.Instant
    private let onSent: @Sendable () -> Void

    // Multi thread only.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutableRawPointer?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CCURL_ERROR_SIZE) + 1)
    /// Body bytes handed to libcurl. Once above 0, libcurl may have written some of them.
    private(set) var handedOver = 0
    /// Times libcurl was about to send the request on a connection (PREREQFUNCTION).
    private(set) var requestStarts = 0
    /// libcurl wanted to send again after body bytes had left our hands; refused.
    private(set) var refusedResend = false
    private(set) var tooLarge = false
    private var status = 0
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    private var sentReported = false

    private struct Delivery {
        var continuation: CheckedContinuation<Outcome, Never>?
        var early: Outcome?
        var done = false
    }
    private let delivery = Mutex(Delivery())

    init(request: HTTPExchangeRequest, deadline: ContinuousClock.Instant, onSent: @escaping @Sendable () -> Void) {
        self.request = request
        self.deadline = deadline
        self.onSent = onSent
        errorBuffer.initialize(repeating: 0, count: Int(CCURL_ERROR_SIZE) + 1)
    }

    deinit { errorBuffer.deallocate() }

    /// Whether any of the request may have reached the instance.
    var requestWritten: Bool { handedOver > 0 || (request.body.isEmpty && requestStarts > 0) }

    var isFinished: Bool { delivery.withLock { $0.done } }

    /// Stores the continuation; false (and resumed at once) when an outcome came first.
    func attach(_ continuation: CheckedContinuation<Outcome, Never>) -> Bool {
        let early: Outcome? = delivery.withLock { d in
            if let early = d.early { return early }
            d.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early); return false }
        return true
    }

    /// Delivers the outcome unless one was delivered before.
    func finish(_ outcome: Outcome) {
        let continuation: CheckedContinuation<Outcome, Never>? = delivery.withLock { d in
            guard !d.done else { return nil }
            d.done = true
            if let continuation = d.continuation {
                d.continuation = nil
                return continuation
            }
            d.early = outcome
            return nil
        }
        continuation?.resume(returning: outcome)
    }

    /// The outcome of a transfer libcurl reports done with `code`.
    func outcome(code: Int32) -> Outcome {
        if Int(code) == CCURLE_OK {
            var responseCode = 0
            if let easy { ccurl_easy_get_long(easy, Int32(CCURLINFO_RESPONSE_CODE), &responseCode) }
            reportSent()
            return .success(HTTPExchangeResponse(status: responseCode == 0 ? status : responseCode, headers: headers, body: body))
        }
        if tooLarge { return .failure(.answerTooLarge(status: status, limit: Self.maxBody)) }
        if Int(code) == CCURLE_OPERATION_TIMEDOUT { return .failure(.timedOut(requestWritten: requestWritten)) }
        var osErrno = 0
        if let easy { ccurl_easy_get_long(easy, Int32(CCURLINFO_OS_ERRNO), &osErrno) }
        var message = String(cString: errorBuffer)
        if message.isEmpty, let text = ccurl_easy_strerror(code) { message = String(cString: text) }
        var curlCode = Int(code)
        if refusedResend {
            curlCode = CCURLE_SEND_FAIL_REWIND
            message = "the connection died after the request went out; libcurl would have sent it again on a new connection"
        }
        return .failure(.failed(code: curlCode, osErrno: osErrno, message: Self.clean(message), requestWritten: requestWritten))
    }

    /// libcurl's message without a URL (the instance URL is known to the caller) and short.
    private static func clean(_ text: String) -> String? {
        let trimmed = text.trimmingWhiteSpace()
        if trimmed.isEmpty || trimmed.contains("://") { return nil }
        return String(trimmed.prefix(200))
    }

    private func reportSent() {
        guard !sentReported else { return }
        sentReported = true
        onSent()
    }

    // MARK: callbacks (multi thread)

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, request.body.count - handedOver)
        if count > 0 {
            request.body.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + handedOver, byteCount: count)
            }
            handedOver += count
        }
        if handedOver == request.body.count { reportSent() }
        return count
    }

    fileprivate func seek(to offset: Int64) -> Int32 {
        // Rewinding is what a re-send needs: refused once anything left our hands.
        if handedOver == 0 && offset == 0 { return Int32(CCURL_SEEKFUNC_OK) }
        refusedResend = true
        return Int32(CCURL_SEEKFUNC_FAIL)
    }

    fileprivate func willSendRequest() -> Int32 {
        requestStarts += 1
        // libcurl 7.88 retries on a fresh connection without rewinding when none of the body
        // was *written*, although some may have been handed over: that would send a
        // truncated body. Any new start after body bytes left our hands is refused.
        if handedOver > 0 {
            refusedResend = true
            return Int32(CCURL_PREREQFUNC_ABORT)
        }
        return Int32(CCURL_PREREQFUNC_OK)
    }

    /// One header line, parsed on its bytes (this runs for every header of every answer).
    fileprivate func header(_ line: UnsafeRawBufferPointer) {
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var bytes = line[...]
        while let last = bytes.last, blank(last) { bytes = bytes.dropLast() }
        if bytes.starts(with: "HTTP/".utf8) {
            // A new status line (after a 1xx, or the first): headers start over.
            let code = bytes.drop { $0 != 0x20 }.drop { $0 == 0x20 }.prefix { $0 != 0x20 }
            status = Int(String(decoding: code, as: UTF8.self)) ?? 0
            headers = [:]
            reportSent()
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        var name = bytes[..<colon]
        while let first = name.first, blank(first) { name = name.dropFirst() }
        while let last = name.last, blank(last) { name = name.dropLast() }
        guard !name.isEmpty else { return }
        var value = bytes[(colon + 1)...]
        while let first = value.first, blank(first) { value = value.dropFirst() }
        let key = String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        let text = String(decoding: value, as: UTF8.self)
        headers[key] = headers[key].map { "\($0), \(text)" } ?? text
    }

    fileprivate func write(_ data: UnsafeRawBufferPointer) -> Int {
        guard body.count + data.count <= Self.maxBody else {
            // 0 makes libcurl abort the transfer (CURLE_WRITE_ERROR) and close the connection.
            tooLarge = true
            return 0
        }
        body.append(contentsOf: data)
        return data.count
    }
}

// MARK: - C callbacks: the user pointer is the exchange, kept alive by the driver.

private func exchange(_ user: UnsafeMutableRawPointer?) -> CurlExchange {
    Unmanaged<CurlExchange>.fromOpaque(user!).takeUnretainedValue()
}

let curlReadCallback: ccurl_data_callback = { buffer, size, count, user in
    guard let buffer else { return 0 }
    return exchange(user).read(into: buffer, capacity: size * count)
}

let curlWriteCallback: ccurl_data_callback = { buffer, size, count, user in
    exchange(user).write(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

let curlHeaderCallback: ccurl_data_callback = { buffer, size, count, user in
    exchange(user).header(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return size * count
}

let curlSeekCallback: ccurl_seek_callback = { user, offset, _ in
    exchange(user).seek(to: offset)
}

let curlPrereqCallback: ccurl_prereq_callback = { user, _, _, _, _ in
    exchange(user).willSendRequest()
}
