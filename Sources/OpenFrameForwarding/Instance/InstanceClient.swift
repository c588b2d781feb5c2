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

/// Creates and updates voice interaction records through an instance's openframe REST API.
///
/// - `create`: `POST {base}/api/now/openframe[/{apiVersion}]/voice-interaction`
/// - `update`: `PATCH {base}/api/now/openframe[/{apiVersion}]/voice-interaction/{sysId}`
///
/// `apiVersion` must be `v` + digits and `sysId` 32 hex characters (else `.configuration`,
/// before anything is sent). Requests carry `Accept` and `Content-Type` for the wire format,
/// `User-Agent: openframe-rpc/<version>` and the credentials; no cookie is ever stored or sent.
/// Connections are kept and reused (`CurlTransport`), never with a silent re-send. The body is the payload written compactly (JSON) or in the
/// stand-in's ServiceNow XML mapping (`InstanceXMLWriter`).
///
/// **Retries** happen only where the instance certainly did not act:
/// - the connection was refused (nothing was sent), or
/// - a 429, or a 503 that is the instance's own answer or carries `Retry-After`, told us to come back: after `Retry-After` (seconds or HTTP-date, capped at
///   `maxRetryDelay`), else after exponential backoff with full jitter from `retryBaseDelay`,
///
/// up to `maxAttempts` attempts in all. Never after a timeout, a dropped connection or any
/// other status: the instance may have created the record (or applied the update), and a
/// second request would duplicate it. With OAuth, a 401 means the instance refused the
/// token and did not act: the token is refreshed and the request re-sent once (this does
/// not use up an attempt).
///
/// **Concurrency**: at most `maxConcurrentForwards` forwards hold a slot; the rest wait in
/// arrival order. A forward keeps its slot through its retries and their waits (a 429 asks
/// for less traffic, not for the slot to go to someone else's request).
///
/// **Progress**: `.queued(position:)` when all slots are taken; per attempt `.sending` then
/// `.waiting` (once the request went out); `.retrying` before each retry, with the reason it
/// is safe and the delay.
///
/// **Cancellation** of the calling task stops the HTTP request in flight, any retry wait and
/// any wait for a slot or a token: `ForwardingError.cancelled`.
///
/// No error, progress reason or log line contains a credential: they are built from the
/// host name, status codes and the instance's own error texts, which are scrubbed of every
/// secret the client holds.
public final class InstanceClient: InteractionTarget {
    public typealias LogSink = @Sendable (String) -> Void

    public let configuration: InstanceConfiguration
    public var kind: TargetKind { .instance }
    public var displayName: String { configuration.baseURL.absoluteString }

    let endpoint: InstanceEndpoint
    let transport: any HTTPTransport
    let limiter: ForwardLimiter
    let tokens: OAuthTokenProvider?
    let scrubber: SecretScrubber
    let log: LogSink?
    let host: String
    let clock: any ForwardingClock

    /// `log` receives one line per HTTP exchange and per token fetch (method, URL without
    /// credentials, status or failure, duration); never headers or bodies.
    public convenience init(configuration: InstanceConfiguration, log: LogSink? = nil) {
        let settings = CurlSettings(maxConnections: configuration.maxConcurrentForwards + 1, tls: configuration.tls)
        self.init(configuration: configuration, transport: CurlTransport(settings: settings), log: log)
    }

    init(
        configuration: InstanceConfiguration, transport: any HTTPTransport, clock: any ForwardingClock = SystemForwardingClock(),
        log: LogSink? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.log = log
        endpoint = InstanceEndpoint(baseURL: configuration.baseURL)
        limiter = ForwardLimiter(limit: configuration.maxConcurrentForwards)
        scrubber = SecretScrubber(configuration.secrets)
        host = configuration.hostLabel
        if case .oauth(let settings) = configuration.authentication {
            tokens = OAuthTokenProvider(
                settings: settings, tokenURL: endpoint.tokenURL, host: configuration.hostLabel,
                userAgent: configuration.userAgent, timeout: configuration.requestTimeout,
                transport: transport, clock: clock, log: log)
        } else {
            tokens = nil
        }
    }

    /// Slots in use and forwards waiting for one (diagnostics, tests).
    var load: (inUse: Int, waiting: Int) { limiter.snapshot }

    /// OAuth token requests made so far (tests).
    var tokenFetchCount: Int { tokens?.fetchCount ?? 0 }

    public func create(payload: JSONNode, apiVersion: String?, progress: ProgressSink) async throws(ForwardingError) -> JSONObject {
        let url = try endpoint.createURL(apiVersion: apiVersion)
        return try await forward(.create, method: "POST", url: url, payload: payload, progress: progress)
    }

    public func update(
        sysId: String, payload: JSONNode, apiVersion: String?, progress: ProgressSink
    ) async throws(ForwardingError) -> JSONObject {
        let url = try endpoint.updateURL(sysId: sysId, apiVersion: apiVersion)
        return try await forward(.update, method: "PATCH", url: url, payload: payload, progress: progress)
    }

    // MARK: - one forward

    private func forward(
        _ operation: ForwardOperation, method: String, url: URL, payload: JSONNode, progress: ProgressSink
    ) async throws(ForwardingError) -> JSONObject {
        let body = try encode(payload)
        try await limiter.acquire { position in progress(.queued(position: position)) }
        defer { limiter.release() }
        do {
            return try await attempts(operation, method: method, url: url, body: body, progress: progress)
        } catch {
            throw scrubber.scrub(error, extra: tokens?.currentSecrets ?? [])
        }
    }

    private func attempts(
        _ operation: ForwardOperation, method: String, url: URL, body: [UInt8], progress: ProgressSink
    ) async throws(ForwardingError) -> JSONObject {
        let maxAttempts = configuration.maxAttempts
        var attempt = 1  // what progress reports; every send counts
        var retriesUsed = 0  // retries under maxAttempts
        var tokenResendUsed = false
        var rejectedToken: String?

        func retry(reason: String, delay: Double) async throws(ForwardingError) {
            retriesUsed += 1
            attempt += 1
            progress(.retrying(attempt: attempt, reason: scrub(reason), delaySeconds: delay))
            log?("\(method) \(url.absoluteString): retrying in \(Self.format(delay)) s (\(scrub(reason)))")
            try await pause(delay)
        }
        func backoff() -> Double {
            Backoff.delay(retry: retriesUsed + 1, base: configuration.retryBaseDelay, cap: configuration.maxRetryDelay)
        }

        while true {
            if Task.isCancelled { throw .cancelled }

            var headers: [(name: String, value: String)] = [
                (name: "Accept", value: configuration.wireFormat.mediaType),
                (name: "Content-Type", value: configuration.wireFormat.mediaType),
                (name: "User-Agent", value: configuration.userAgent),
            ]
            var tokenUsed: String?
            if let tokens {
                do {
                    tokenUsed = try await tokens.accessToken(rejecting: rejectedToken)
                } catch {
                    if error.nothingSent, error.error != .cancelled, retriesUsed + 1 < maxAttempts {
                        try await retry(
                            reason:
                                "could not reach \(host) for an OAuth token (connection refused); nothing was sent, so trying again is safe",
                            delay: backoff())
                        continue
                    }
                    throw error.error
                }
            }
            if let credentials = credentialHeader(oauthToken: tokenUsed) { headers.append(credentials) }

            let request = HTTPExchangeRequest(method: method, url: url, headers: headers, body: body, timeout: configuration.requestTimeout)
            progress(.sending(host: host, attempt: attempt))
            let host = self.host
            let started = clock.now
            let response: HTTPExchangeResponse
            do {
                response = try await send(request, reportingTo: progress).get()
            } catch {
                if error == .cancelled {
                    log?("\(method) \(url.absoluteString) (attempt \(attempt)): cancelled")
                    throw .cancelled
                }
                let reason = error.reason(host: host, timeout: configuration.requestTimeout, operation: operation)
                log?("\(method) \(url.absoluteString) (attempt \(attempt)): \(scrub(reason)) after \(elapsed(since: started))")
                if error.isConnectionRefused {
                    if retriesUsed + 1 < maxAttempts {
                        try await retry(reason: "\(reason), so trying again is safe", delay: backoff())
                        continue
                    }
                    throw .unreachable(reason: attempt == 1 ? reason : "\(reason); gave up after \(attempt) attempts", mayHaveActed: false)
                }
                throw .unreachable(reason: reason, mayHaveActed: !error.nothingWasSent)
            }
            log?("\(method) \(url.absoluteString) (attempt \(attempt)): HTTP \(response.status) in \(elapsed(since: started))")

            switch parse(response) {
            case .success(let result):
                return result
            case .failure(let error):
                if response.status == 401, tokens != nil, !tokenResendUsed {
                    tokenResendUsed = true
                    rejectedToken = tokenUsed
                    attempt += 1
                    let reason =
                        "\(host) refused the OAuth access token (HTTP 401), so it did not act; getting a new token and sending once more"
                    progress(.retrying(attempt: attempt, reason: reason, delaySeconds: 0))
                    log?("\(method) \(url.absoluteString): \(reason)")
                    continue
                }
                let advice = InstanceResponseParser.retryAdvice(
                    status: response.status, headers: response.headers, body: response.body, now: clock.date,
                    maxDelay: configuration.maxRetryDelay)
                if case .retry(let after) = advice, retriesUsed + 1 < maxAttempts {
                    let told =
                        after != nil
                        ? "Retry-After: \(response.headers["retry-after"].map { String($0.prefix(40)) } ?? "")"
                        : "no Retry-After; backing off"
                    try await retry(
                        reason: "HTTP \(response.status) from \(host): the instance did not act and asked to be called again (\(told))",
                        delay: after ?? backoff())
                    continue
                }
                throw error
            }
        }
    }

    // MARK: - helpers

    /// The header that carries the credentials, for forwards and lookups alike; OAuth's token is
    /// fetched per attempt by the caller (`oauthToken`), every other mode's is fixed.
    func credentialHeader(oauthToken: String?) -> (name: String, value: String)? {
        switch configuration.authentication {
        case .none: nil
        case .basic(let username, let password):
            (name: "Authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .bearer(let token): (name: "Authorization", value: "Bearer \(token)")
        case .apiKey(let key): (name: "x-sn-apikey", value: key)
        case .oauth: oauthToken.map { (name: "Authorization", value: "Bearer \($0)") }
        }
    }

    /// Sends one request; reports `.waiting` once the transport says the request went out.
    /// (The transport runs in a child task so that its escaping "sent" callback can reach the
    /// caller's non-escaping progress sink through a stream.)
    private func send(
        _ request: HTTPExchangeRequest, reportingTo progress: ProgressSink
    ) async -> Result<HTTPExchangeResponse, TransportFailure> {
        let (sent, sentContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let transport = self.transport
        let host = self.host
        return await withTaskGroup(of: Result<HTTPExchangeResponse, TransportFailure>.self) { group in
            group.addTask {
                defer { sentContinuation.finish() }
                do throws(TransportFailure) {
                    return .success(try await transport.send(request, onSent: { sentContinuation.yield() }))
                } catch {
                    return .failure(error)
                }
            }
            for await _ in sent {
                progress(.waiting(host: host))
                break
            }
            return await group.next() ?? .failure(.cancelled)
        }
    }

    private func encode(_ payload: JSONNode) throws(ForwardingError) -> [UInt8] {
        switch configuration.wireFormat {
        case .json:
            var out: [UInt8] = []
            out.reserveCapacity(payload.span.end - payload.span.start)
            JSONWriter.write(payload, into: &out)
            return out
        case .xml:
            return try InstanceXMLWriter.requestBody(payload)
        }
    }

    /// A failed answer is parsed again from its scrubbed bytes, so the texts the parser shortens and
    /// strips never hold a secret to cut in half (SecretScrubber: scrub first, then shorten).
    private func parse(_ response: HTTPExchangeResponse) -> Result<JSONObject, ForwardingError> {
        let parsed = InstanceResponseParser.parse(status: response.status, headers: response.headers, body: response.body)
        guard case .failure = parsed else { return parsed }
        let extra = tokens?.currentSecrets ?? []
        let scrubber = extra.isEmpty ? scrubber : SecretScrubber(configuration.authentication.secrets + extra)
        guard !scrubber.isEmpty else { return parsed }
        return InstanceResponseParser.parse(
            status: response.status, headers: response.headers.mapValues { scrubber.scrub($0) }, body: scrubber.scrub(bytes: response.body))
    }

    private func scrub(_ text: String) -> String {
        let extra = tokens?.currentSecrets ?? []
        return extra.isEmpty ? scrubber.scrub(text) : SecretScrubber(configuration.secrets + extra).scrub(text)
    }

    private func pause(_ seconds: Double) async throws(ForwardingError) {
        do {
            try await clock.sleep(seconds: seconds)
        } catch {
            throw .cancelled
        }
    }

    private func elapsed(since start: ContinuousClock.Instant) -> String {
        let duration = clock.now - start
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\(Int(ms.rounded())) ms"
    }

    /// Two decimals ("0.25"), as `%.2f` gave, without Foundation's `String(format:)`.
    static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds)" }
        let hundredths = Int((abs(seconds) * 100).rounded())
        let fraction = hundredths % 100
        return "\(seconds < 0 && hundredths > 0 ? "-" : "")\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
