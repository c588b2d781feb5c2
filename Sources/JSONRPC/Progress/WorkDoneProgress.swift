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
import JSON
import Locking

/// LSP's work-done progress (`$/progress` with `{token, value: {kind: begin|report|end, …}}`) for one request.
/// Without a token every call is a no-op, so handlers report unconditionally. Exactly one begin and one
/// end are sent, in that order, whatever path the handler takes; `end` is idempotent.
public final class WorkDoneProgress: @unchecked Sendable {
    private let token: JSONValue?
    private let context: RequestContext
    private let lock = PThreadMutex()
    private var phase = Phase.notStarted

    enum Phase { case notStarted, begun, ended }

    /// `token` is the request's `workDoneToken` (a string or a number), nil when the host sent none.
    public init(token: JSONValue?, context: RequestContext) {
        self.token = token
        self.context = context
    }

    public func begin(title: String, message: String? = nil, percentage: Int? = nil) {
        guard advance(from: .notStarted, to: .begun) else { return }
        send(kind: "begin", title: title, message: message, percentage: percentage)
    }

    public func report(_ message: String, percentage: Int? = nil) {
        guard lock.withLock({ phase == .begun }) else { return }
        send(kind: "report", title: nil, message: message, percentage: percentage)
    }

    public func end(_ message: String? = nil) {
        guard advance(from: .begun, to: .ended) else { return }
        send(kind: "end", title: nil, message: message, percentage: nil)
    }

    private func advance(from: Phase, to: Phase) -> Bool {
        lock.withLock {
            guard phase == from else { return false }
            phase = to
            return true
        }
    }

    private func send(kind: String, title: String?, message: String?, percentage: Int?) {
        guard let token else { return }
        var value: JSONObject = ["kind": .string(kind)]
        if let title { value["title"] = .string(title) }
        if let message { value["message"] = .string(message) }
        if let percentage { value["percentage"] = .int(percentage) }
        context.notify("$/progress", params: ["token": token, "value": .object(value)])
    }
}
