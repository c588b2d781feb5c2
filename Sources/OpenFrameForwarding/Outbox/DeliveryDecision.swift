/// What the outbox does after a send failed: the retry rules of protocol.md's "Durable delivery", in one place.
enum DeliveryDecision: Equatable {
    /// The instance certainly did not act: wait (backoff) and send again, until --outbox-max-age.
    case retryLater(reason: String)
    /// The instance may have acted: resolve (lookup, or re-send an idempotent update) before anything else.
    case outcomeUnknown(reason: String)
    /// The instance refused the payload: final, never sent again.
    case fail(reason: String)
    /// The credentials were refused (after the token refresh): stop delivering until they change.
    case pause(reason: String)

    static func after(_ error: ForwardingError) -> DeliveryDecision {
        switch error {
        case .unreachable(let reason, let mayHaveActed):
            return mayHaveActed ? .outcomeUnknown(reason: reason) : .retryLater(reason: reason)
        case .instance(let status, let message, let detail):
            let text = "HTTP \(status) \(message)" + (detail.map { " (\($0))" } ?? "")
            switch status {
            case 401: return .pause(reason: "the instance refused the credentials (\(text)); delivery is paused until they are fixed")
            case 429, 503: return .retryLater(reason: "the instance did not act and asked to be called again (\(text))")
            // 202 is "accepted, not processed": it may still act.
            case 202, 500..<600: return .outcomeUnknown(reason: "the instance may have acted (\(text))")
            default: return .fail(reason: "the instance refused it (\(text))")
            }
        case .configuration(let message):
            return .fail(reason: message)
        case .cancelled:
            return .retryLater(reason: "the delivery was stopped")
        }
    }
}
