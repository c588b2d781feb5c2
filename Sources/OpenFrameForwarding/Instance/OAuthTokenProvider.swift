import JSON
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

/// Why no access token: the error to report, and whether the token request never left
/// (connection refused), so the forward may be retried.
struct TokenFetchError: Error, Sendable, Equatable {
    var error: ForwardingError
    var nothingSent: Bool
}

/// OAuth access tokens from `POST {base}/oauth_token.do`, cached and shared.
///
/// - The token is fetched on first use and kept until shortly before it expires
///   (`expires_in` minus 10 %, at most 60 s early); then the next caller fetches a new one.
/// - Concurrent callers share one fetch: the first starts it, the others wait for its outcome.
/// - A caller whose token the instance refused (HTTP 401) passes it as `rejecting`: that token
///   is dropped and never handed out again; if another caller already replaced it, the
///   replacement is used without a new fetch.
/// - With the password grant, a refresh token (when the instance gives one) is tried first;
///   if the instance refuses it, the password grant is used again.
/// - A waiting caller whose task is cancelled stops waiting at once (`.cancelled`); the fetch
///   itself carries on for the others.
final class OAuthTokenProvider: Sendable {
    private struct Token {
        var value: String
        var refreshAt: ContinuousClock.Instant
    }

    private enum Waiter {
        case waiting(CheckedContinuation<Result<String, TokenFetchError>, Never>)
        case cancelledEarly
    }

    private struct State {
        var token: Token?
        var refreshToken: String?
        var fetching = false
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        var fetchCount = 0
        /// The tokens handed out most recently (current one included), for scrubbing text:
        /// an instance may echo an old token in an error page.
        var recentSecrets: [String] = []
    }

    private static let recentSecretsKept = 16

    private let settings: OAuthSettings
    private let tokenURL: URL
    private let host: String
    private let userAgent: String
    private let timeout: Double
    private let transport: any HTTPTransport
    private let clock: any ForwardingClock
    private let log: (@Sendable (String) -> Void)?
    private let state = Mutex(State())

    init(
        settings: OAuthSettings, tokenURL: URL, host: String, userAgent: String, timeout: Double,
        transport: any HTTPTransport, clock: any ForwardingClock = SystemForwardingClock(), log: (@Sendable (String) -> Void)?
    ) {
        self.settings = settings
        self.tokenURL = tokenURL
        self.host = host
        self.userAgent = userAgent
        self.timeout = timeout
        self.transport = transport
        self.clock = clock
        self.log = log
    }

    /// Access and refresh tokens handed out recently (the current ones included), for scrubbing text.
    var currentSecrets: [String] {
        state.withLock { s in s.recentSecrets }
    }

    /// How many token requests were made (tests).
    var fetchCount: Int { state.withLock { $0.fetchCount } }

    func accessToken(rejecting rejected: String? = nil) async throws(TokenFetchError) -> String {
        if Task.isCancelled { throw TokenFetchError(error: .cancelled, nothingSent: true) }
        let now = clock.now
        let cached: String? = state.withLock { s in
            if let rejected, s.token?.value == rejected { s.token = nil }
            if let token = s.token, now < token.refreshAt { return token.value }
            return nil
        }
        if let cached { return cached }

        let id = state.withLock { s in
            s.nextID += 1; return s.nextID
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, TokenFetchError>, Never>) in
                let (immediate, startFetch): (Result<String, TokenFetchError>?, Bool) = state.withLock { s in
                    if case .cancelledEarly? = s.waiters[id] {
                        s.waiters[id] = nil
                        return (.failure(TokenFetchError(error: .cancelled, nothingSent: true)), false)
                    }
                    if let token = s.token, clock.now < token.refreshAt, token.value != rejected {
                        return (.success(token.value), false)
                    }
                    s.waiters[id] = .waiting(continuation)
                    if s.fetching { return (nil, false) }
                    s.fetching = true
                    return (nil, true)
                }
                if let immediate { continuation.resume(returning: immediate) }
                if startFetch { Task { await self.runFetch() } }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Result<String, TokenFetchError>, Never>? = state.withLock { s in
                switch s.waiters[id] {
                case .waiting(let continuation)?:
                    s.waiters[id] = nil
                    return continuation
                case .cancelledEarly?:
                    return nil
                case nil:
                    s.waiters[id] = .cancelledEarly
                    return nil
                }
            }
            continuation?.resume(returning: .failure(TokenFetchError(error: .cancelled, nothingSent: true)))
        }
        state.withLock { s in
            if case .cancelledEarly? = s.waiters[id] { s.waiters[id] = nil }
        }
        return try result.get()
    }

    private func runFetch() async {
        let outcome = await fetch()
        let waiting: [CheckedContinuation<Result<String, TokenFetchError>, Never>] = state.withLock { s in
            s.fetching = false
            if case .success(let fetched) = outcome {
                s.token = fetched.token
                s.recentSecrets.append(fetched.token.value)
                if let refresh = fetched.refreshToken {
                    s.refreshToken = refresh
                    s.recentSecrets.append(refresh)
                }
                if s.recentSecrets.count > Self.recentSecretsKept {
                    s.recentSecrets.removeFirst(s.recentSecrets.count - Self.recentSecretsKept)
                }
            }
            var continuations: [CheckedContinuation<Result<String, TokenFetchError>, Never>] = []
            for (id, waiter) in s.waiters {
                if case .waiting(let continuation) = waiter {
                    continuations.append(continuation)
                    s.waiters[id] = nil
                }
            }
            return continuations
        }
        let result = outcome.map { $0.token.value }
        for continuation in waiting { continuation.resume(returning: result) }
    }

    // MARK: the token request

    private struct Fetched {
        var token: Token
        var refreshToken: String?
    }

    private func fetch() async -> Result<Fetched, TokenFetchError> {
        let refreshToken = state.withLock { s in
            s.fetchCount += 1; return s.refreshToken
        }
        if let refreshToken, case .password = settings.grant {
            let refreshed = await request([
                ("grant_type", "refresh_token"), ("client_id", settings.clientID),
                ("client_secret", settings.clientSecret), ("refresh_token", refreshToken),
            ])
            switch refreshed {
            case .success: return refreshed
            case .failure(let failure) where !failure.nothingSent:
                if case .instance = failure.error {
                    log?("OAuth refresh token refused by \(host); using the password grant again")
                    state.withLock { s in s.refreshToken = nil }
                } else {
                    return refreshed
                }
            case .failure:
                return refreshed
            }
        }
        var fields = [("grant_type", ""), ("client_id", settings.clientID), ("client_secret", settings.clientSecret)]
        switch settings.grant {
        case .clientCredentials:
            fields[0].1 = "client_credentials"
        case .password(let username, let password):
            fields[0].1 = "password"
            fields += [("username", username), ("password", password)]
        }
        return await request(fields)
    }

    private func request(_ fields: [(String, String)]) async -> Result<Fetched, TokenFetchError> {
        let grant = fields.first?.1 ?? "?"
        let request = HTTPExchangeRequest(
            method: "POST", url: tokenURL,
            headers: [
                (name: "Content-Type", value: "application/x-www-form-urlencoded"),
                (name: "Accept", value: "application/json"),
                (name: "User-Agent", value: userAgent),
            ],
            body: FormEncoding.encode(fields), timeout: timeout)
        let response: HTTPExchangeResponse
        do {
            response = try await transport.send(request, onSent: {})
        } catch {
            if error == .cancelled { return .failure(TokenFetchError(error: .cancelled, nothingSent: true)) }
            let reason = "while getting an OAuth token: " + error.reason(host: host, timeout: timeout, operation: .token)
            log?("OAuth token request (\(grant)) to \(host): \(reason)")
            return .failure(
                TokenFetchError(error: .unreachable(reason: reason, mayHaveActed: false), nothingSent: error.isConnectionRefused))
        }
        guard response.status == 200,
            let document = try? JSONParser.parse(response.body),
            let accessToken = document.root["access_token"]?.stringValue, !accessToken.isEmpty
        else {
            let explanation: String
            switch InstanceResponseParser.classify(contentType: response.headers["content-type"], body: response.body) {
            case .error(let message, let detail):
                explanation = detail.map { "\(message) (\($0))" } ?? message
            case .result:
                explanation = "an answer without access_token"
            case .other:
                explanation =
                    response.status == 200
                    ? "an answer without access_token: \(BodySnippet.make(response.body))" : BodySnippet.make(response.body)
            }
            log?("OAuth token request (\(grant)) to \(host): HTTP \(response.status)")
            return .failure(
                TokenFetchError(
                    error: .instance(
                        httpStatus: response.status,
                        message: "the instance refused the OAuth token request (\(grant) grant, HTTP \(response.status)): \(explanation)",
                        detail: nil),
                    nothingSent: false))
        }
        // A token goes into a header: a control character (CR/LF would split the header and
        // end up with no Authorization at all) is refused here, never sent.
        guard !accessToken.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            log?("OAuth token request (\(grant)) to \(host): access_token with a control character, refused")
            return .failure(
                TokenFetchError(
                    error: .instance(
                        httpStatus: response.status,
                        message:
                            "the instance's OAuth answer (\(grant) grant) has an access_token containing a control character (such as CR or LF); it cannot go into an Authorization header and was not used",
                        detail: nil),
                    nothingSent: false))
        }
        var expiresIn = 1800.0
        if let node = document.root["expires_in"] {
            if let number = node.doubleValue {
                expiresIn = number
            } else if let text = node.stringValue, let number = Double(text) {
                expiresIn = number
            }
        }
        expiresIn = max(0, min(expiresIn, 365 * 86_400))
        let early = min(60, expiresIn * 0.1)
        let refreshAt = clock.now + .milliseconds(Int64((expiresIn - early) * 1000))
        let refreshToken = document.root["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        log?("OAuth token (\(grant) grant) from \(host), valid for \(Int(expiresIn)) s")
        return .success(Fetched(token: Token(value: accessToken, refreshAt: refreshAt), refreshToken: refreshToken))
    }
}
