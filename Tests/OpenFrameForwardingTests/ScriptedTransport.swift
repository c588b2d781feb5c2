import CCurl
import Foundation
import Synchronization
import Testing

@testable import OpenFrameForwarding

/// An `HTTPTransport` that answers from a script instead of a network, and records what was sent.
///
/// Each request takes the first remaining step whose route matches it (`.token` for the OAuth token
/// endpoint, `.api` for everything else, `.any`); with none left, `otherwise` answers, and without
/// that the request is a test failure. Waits (`after:`, `.hang`) run on the given clock, so a
/// `ManualClock` decides when they end.
final class ScriptedTransport: HTTPTransport {
    enum Route: Sendable { case any, token, api }

    enum Step: Sendable {
        /// The request went out (`onSent`), then this answer came back, `after` seconds later.
        case respond(status: Int, headers: [String: String], body: [UInt8], after: Double)
        /// A failure; `onSent` is called first only when the failure says the request was written.
        case fail(TransportFailure)
        /// The request went out (`onSent`), then the answer never came: ends with `.cancelled`
        /// when the task is cancelled, or `.timedOut(requestWritten: true)` at the request's deadline.
        case hang

        static func respond(_ status: Int, headers: [String: String] = [:], body: String = "", after: Double = 0) -> Step {
            .respond(status: status, headers: headers, body: Array(body.utf8), after: after)
        }
        static func json(_ status: Int, _ body: String, headers: [String: String] = [:], after: Double = 0) -> Step {
            .respond(
                status: status, headers: ["Content-Type": "application/json;charset=UTF-8"].merging(headers) { $1 },
                body: Array(body.utf8), after: after)
        }
        static func serviceNowError(_ status: Int, _ message: String, _ detail: String?, headers: [String: String] = [:]) -> Step {
            let detailText = detail.map { "\"\(jsonEscaped($0))\"" } ?? "null"
            return .json(
                status, #"{"error":{"message":"\#(jsonEscaped(message))","detail":\#(detailText)},"status":"failure"}"#, headers: headers)
        }
        static func created(sysId: String = "0123456789abcdef0123456789abcdef", number: String = "IMS0000001", after: Double = 0) -> Step {
            .json(200, #"{"result":{"status":"SUCCESS","sysId":"\#(sysId)","number":"\#(number)"}}"#, after: after)
        }
        static let updated = Step.json(200, #"{"result":{"status":"SUCCESS"}}"#)
        static func token(_ value: String, expiresIn: Int = 1800, refreshToken: String? = nil) -> Step {
            let refresh = refreshToken.map { #","refresh_token":"\#($0)""# } ?? ""
            return .json(200, #"{"access_token":"\#(value)","token_type":"Bearer","expires_in":\#(expiresIn)\#(refresh)}"#)
        }
        /// libcurl's "connection refused": nothing written.
        static let refused = Step.fail(
            .failed(
                code: Int(CCURLE_COULDNT_CONNECT), osErrno: Int(ECONNREFUSED),
                message: "Couldn't connect to server", requestWritten: false))

        private static func jsonEscaped(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
    }

    /// One request as it reached the transport; header values with secrets replaced by `***`.
    struct Sent: Sendable, CustomStringConvertible {
        var method: String
        var url: String
        var headers: [(name: String, value: String)]
        var body: String
        var timeout: Double

        var path: String { URL(string: url)?.path ?? url }
        var isToken: Bool { path.hasSuffix("/oauth_token.do") }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        var description: String { "\(method) \(url)" }
    }

    private struct State {
        var steps: [(route: Route, step: Step)]
        var sent: [Sent] = []
        var inFlight = 0
        var peakInFlight = 0
    }

    private let state: Mutex<State>
    private let otherwise: Step?
    private let clock: any ForwardingClock
    private let scrubber: SecretScrubber

    init(_ steps: [Step] = [], token: [Step] = [], otherwise: Step? = nil, clock: any ForwardingClock, secrets: [String] = []) {
        state = Mutex(State(steps: token.map { (.token, $0) } + steps.map { (.api, $0) }))
        self.otherwise = otherwise
        self.clock = clock
        scrubber = SecretScrubber(secrets)
    }

    /// Everything sent so far, in order.
    var sent: [Sent] { state.withLock { $0.sent } }
    /// Requests sent to the interaction API (not to the token endpoint).
    var apiRequests: [Sent] { sent.filter { !$0.isToken } }
    var tokenRequests: [Sent] { sent.filter(\.isToken) }
    /// Exchanges in progress right now, and the most there ever were at once.
    var inFlight: Int { state.withLock { $0.inFlight } }
    var peakInFlight: Int { state.withLock { $0.peakInFlight } }
    /// Steps not used yet.
    var remainingSteps: Int { state.withLock { $0.steps.count } }

    func add(_ step: Step, route: Route = .api) { state.withLock { $0.steps.append((route, step)) } }

    func send(_ request: HTTPExchangeRequest, onSent: @escaping @Sendable () -> Void) async throws(TransportFailure) -> HTTPExchangeResponse
    {
        let record = Sent(
            method: request.method, url: request.url.absoluteString,
            headers: request.headers.map { (name: $0.name, value: scrubber.scrub($0.value)) },
            body: String(decoding: request.body, as: UTF8.self), timeout: request.timeout)
        let step: Step? = state.withLock { s in
            s.sent.append(record)
            s.inFlight += 1
            s.peakInFlight = max(s.peakInFlight, s.inFlight)
            let index = s.steps.firstIndex { route, _ in
                switch route {
                case .any: true
                case .token: record.isToken
                case .api: !record.isToken
                }
            }
            return index.map { s.steps.remove(at: $0).step } ?? otherwise
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        guard let step else {
            Issue.record("ScriptedTransport: no step left for \(record)")
            throw .invalidRequest("no scripted step")
        }
        switch step {
        case .respond(let status, let headers, let body, let after):
            onSent()
            do {
                try await clock.sleep(seconds: after)
            } catch {
                throw .cancelled
            }
            return HTTPExchangeResponse(status: status, headers: headers, body: body)
        case .fail(let failure):
            if failure.requestWritten { onSent() }
            throw failure
        case .hang:
            onSent()
            do {
                try await clock.sleep(seconds: request.timeout)
            } catch {
                throw .cancelled
            }
            throw .timedOut(requestWritten: true)
        }
    }
}
