import JSON
import JSONRPC
import OpenFrameForwarding

/// The one place forwarding failures become JSON-RPC errors (codes in `ErrorCode+OpenFrame.swift`).
public enum ForwardingErrorMapping {
    public static func responseError(_ error: ForwardingError) -> ResponseError {
        switch error {
        case .instance(let status, let message, let detail):
            var errorObject: JSONObject = ["message": .string(message)]
            errorObject["detail"] = detail.map { .string($0) } ?? .null
            return ResponseError(
                code: .instanceError,
                message: "the instance answered HTTP \(status): \(message)\(detail.map { " (\($0))" } ?? "")",
                data: ["httpStatus": .int(status), "error": .object(errorObject)])
        case .unreachable(let reason, let mayHaveActed):
            return ResponseError(
                code: .instanceUnreachable, message: "the instance could not be reached: \(reason)",
                data: ["reason": .string(reason), "mayHaveActed": .bool(mayHaveActed)])
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
