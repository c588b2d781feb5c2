import JSON
import JSONRPC
import OpenFrameForwarding

/// The one place forwarding failures become JSON-RPC errors (codes documented in protocol.md).
public enum ForwardingErrorMapping {
    /// The instance answered, but not with success.
    public static let instanceErrorCode = -32001
    /// The instance could not be reached (or gave no usable answer).
    public static let unreachableCode = -32002
    /// Durable delivery: the outbox could not store the request (a full disk, a failed fsync), so it was not accepted.
    public static let outboxUnavailableCode = -32003
    /// Durable delivery: an item was parked (in `openframe/deliveryFailed`): a person must check the instance.
    public static let deliveryParkedCode = -32004

    public static func responseError(_ error: ForwardingError) -> ResponseError {
        switch error {
        case .instance(let status, let message, let detail):
            var errorObject: JSONObject = ["message": .string(message)]
            errorObject["detail"] = detail.map { .string($0) } ?? .null
            return ResponseError(
                code: instanceErrorCode,
                message: "the instance answered HTTP \(status): \(message)\(detail.map { " (\($0))" } ?? "")",
                data: ["httpStatus": .int(status), "error": .object(errorObject)])
        case .unreachable(let reason, _):
            return ResponseError(code: unreachableCode, message: "the instance could not be reached: \(reason)", data: ["reason": .string(reason)])
        case .cancelled:
            return .cancelled()
        case .configuration(let message):
            return .invalidParams(message)
        }
    }
}

extension ForwardingError {
    /// For the progress end message.
    var shortDescription: String {
        switch self {
        case .instance(let status, let message, _): "failed: HTTP \(status) \(message)"
        case .unreachable(let reason, _): "failed: \(reason)"
        case .cancelled: "cancelled"
        case .configuration(let message): "failed: \(message)"
        }
    }
}
