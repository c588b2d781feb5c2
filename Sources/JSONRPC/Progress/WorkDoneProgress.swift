import JSON
import Locking

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
        // A cancel answers at once; the end goes out first, as protocol.md promises for every progress.
        // Held strongly: the dispatcher drops the action when the handler is done (no weak reference,
        // whose side table LeakSanitizer reported from the fuzz target).
        context.cancellation.onCancel { self.end("cancelled") }
    }

    /// Nothing once the request was cancelled: its answer is out, and nothing may follow it.
    public func begin(title: String, message: String? = nil, percentage: Int? = nil) {
        lock.withLock {
            guard phase == .notStarted, !context.cancellation.isCancelled else { return }
            phase = .begun
            send(kind: "begin", title: title, message: message, percentage: percentage)
        }
    }

    public func report(_ message: String, percentage: Int? = nil) {
        lock.withLock {
            guard phase == .begun else { return }
            send(kind: "report", title: nil, message: message, percentage: percentage)
        }
    }

    /// Also ends a progress never begun, so a `begin` racing a cancel cannot come after the answer.
    public func end(_ message: String? = nil) {
        lock.withLock {
            let begun = phase == .begun
            phase = .ended
            if begun { send(kind: "end", title: nil, message: message, percentage: nil) }
        }
    }

    /// Called with `lock` held: sends are ordered with the phase changes, so no report can slip
    /// in after the end a cancel sends from another thread.
    private func send(kind: String, title: String?, message: String?, percentage: Int?) {
        guard let token else { return }
        var value: JSONObject = ["kind": .string(kind)]
        if let title { value["title"] = .string(title) }
        if let message { value["message"] = .string(message) }
        if let percentage { value["percentage"] = .int(percentage) }
        context.notify("$/progress", params: ["token": token, "value": .object(value)])
    }
}
