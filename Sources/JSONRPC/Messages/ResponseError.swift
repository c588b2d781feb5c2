import JSON

/// A JSON-RPC error object. Handlers throw it to answer with an error; anything else they
/// throw becomes an internal error (-32603) whose message names the failure.
public struct ResponseError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(code: ErrorCode, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static func parseError(_ message: String) -> ResponseError { ResponseError(code: .parseError, message: message) }
    public static func invalidRequest(_ message: String) -> ResponseError { ResponseError(code: .invalidRequest, message: message) }
    public static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(code: .methodNotFound, message: "method not found: '\(method)'")
    }
    public static func invalidParams(_ message: String, data: JSONValue? = nil) -> ResponseError {
        ResponseError(code: .invalidParams, message: message, data: data)
    }
    public static func internalError(_ message: String) -> ResponseError { ResponseError(code: .internalError, message: message) }
    public static func cancelled(_ message: String = "request cancelled") -> ResponseError {
        ResponseError(code: .requestCancelled, message: message)
    }

    public var json: JSONValue {
        var object: JSONObject = ["code": .int(code.rawValue), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}
