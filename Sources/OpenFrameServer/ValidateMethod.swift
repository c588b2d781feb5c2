import JSON
import JSONRPC
import OpenFrame

/// `openframe/validate`: the validation core behind JSON-RPC.
///
/// Params: `{"operation": "create"|"update", "payload": {…}}` or `{"operation": …, "text": "<raw JSON>"}`,
/// plus an optional `"interactionSysId"` for update, checked when given (`Validator.validate` has the rule).
/// Diagnostics carry ranges only for `text`, since a payload object's spans would point into the request
/// message, which means nothing to the host.
enum ValidateMethod {
    static let name = "openframe/validate"
    static let allowedParams: Set<String> = ["operation", "payload", "text", "interactionSysId", "positionEncoding"]

    /// The result as a value (the same bytes `handleRaw` answers with, read back).
    static func handle(_ context: RequestContext) throws -> JSONValue {
        try JSONParser.parse(try handleRaw(context)).root.value
    }

    /// The result written straight to JSON text; what the server registers.
    static func handleRaw(_ context: RequestContext) throws -> [UInt8] {
        let parameters = context.parameters
        // One pass over the members: the first unknown one is rejected, the last of a repeated one wins
        // (as rejectUnknown and member(_:) do), and the checks after it keep their order.
        var operationNode: JSONNode?, sysIdNode: JSONNode?, payload: JSONNode?, text: JSONNode?, encodingNode: JSONNode?
        for member in try parameters.object().members {
            let key = member.keyNode
            if key.stringEquals("payload") {
                payload = member.value
            } else if key.stringEquals("operation") {
                operationNode = member.value
            } else if key.stringEquals("text") {
                text = member.value
            } else if key.stringEquals("interactionSysId") {
                sysIdNode = member.value
            } else if key.stringEquals("positionEncoding") {
                encodingNode = member.value
            } else {
                throw parameters.unknownMember(member.key, allowed: allowedParams)
            }
        }
        let operation = try OperationParam.read(
            parameters, try parameters.optionalString("operation", value: operationNode), default: .create)
        let sysId = try parameters.optionalString("interactionSysId", value: sysIdNode)
        let encoding = try PositionEncodingParam.read(parameters, try parameters.optionalString("positionEncoding", value: encodingNode))

        switch (payload, text) {
        case (nil, nil):
            throw ResponseError.invalidParams(
                "\(name): expected params.payload (the payload object) or params.text (the payload as JSON text)")
        case (.some, .some):
            throw ResponseError.invalidParams("\(name): give params.payload or params.text, not both")
        case (let payload?, nil):
            let report = Validator.validate(payload, operation: operation, interactionSysId: sysId)
            return try result(report, lineIndex: nil, encoding: encoding, context: context)
        case (nil, let text?):
            guard let string = text.stringValue else {
                throw ResponseError.invalidParams(
                    "\(name): params.text must be a string holding the payload's JSON text; found \(text.kind)")
            }
            let bytes = Array(string.utf8)
            try stopIfCancelled(context, before: "validating")
            let report = Validator.validate(text: bytes, operation: operation, interactionSysId: sysId)
            try stopIfCancelled(context, before: "indexing the lines")
            let lines = LineIndex(bytes)
            return try result(report, lineIndex: lines, encoding: encoding, context: context)
        }
    }

    /// Long work stops once its request is cancelled (`$/cancelRequest`, `exit`, the host gone):
    /// the answer went out already, and the CPU is wanted elsewhere.
    static func stopIfCancelled(_ context: RequestContext?, before stage: @autoclosure () -> String) throws(CancellationError) {
        guard let context, context.isCancelled else { return }
        Log.shared.debug("\(name) \(context.id): cancelled; stopped before \(stage())")
        throw CancellationError()
    }

    /// Diagnostics written between two looks at the request's cancellation.
    static let diagnosticsPerCancellationCheck = 1024

    /// `{"valid":…,"diagnostics":[…]}`.
    static func result(
        _ report: ValidationReport, lineIndex: LineIndex?, encoding: PositionEncoding, context: RequestContext? = nil
    ) throws(CancellationError) -> [UInt8] {
        var out: [UInt8] = []
        let diagnostics = report.diagnostics
        out.reserveCapacity(64 + 256 * diagnostics.count)
        out.append(contentsOf: report.isValid ? #"{"valid":true,"diagnostics":["#.utf8 : #"{"valid":false,"diagnostics":["#.utf8)
        for (index, diagnostic) in diagnostics.enumerated() {
            if index % diagnosticsPerCancellationCheck == 0, index > 0 {
                try stopIfCancelled(context, before: "writing diagnostic \(index + 1) of \(diagnostics.count)")
            }
            if index > 0 { out.append(UInt8(ascii: ",")) }
            diagnostic.write(into: &out, lineIndex: lineIndex, encoding: encoding)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}

/// The `operation` param shared by the methods that take one.
enum OperationParam {
    static func read(_ parameters: Parameters, default defaultValue: Operation? = nil) throws(ResponseError) -> Operation {
        try read(parameters, try parameters.optionalString("operation"), default: defaultValue)
    }

    /// For a value already read from the params.
    static func read(_ parameters: Parameters, _ value: String?, default defaultValue: Operation? = nil) throws(ResponseError) -> Operation
    {
        guard let text = value else {
            if let defaultValue { return defaultValue }
            throw ResponseError.invalidParams("\(parameters.methodName): missing params.operation; expected \"create\" or \"update\"")
        }
        guard let operation = Operation(rawValue: text) else {
            throw ResponseError.invalidParams(
                "\(parameters.methodName): params.operation must be \"create\" or \"update\"; found \"\(text)\"")
        }
        return operation
    }
}

/// Ranges count UTF-16 code units unless the host asks for UTF-8 (as LSP 3.17 clients may).
enum PositionEncodingParam {
    static func read(_ parameters: Parameters) throws(ResponseError) -> PositionEncoding {
        try read(parameters, try parameters.optionalString("positionEncoding"))
    }

    /// For a value already read from the params.
    static func read(_ parameters: Parameters, _ value: String?) throws(ResponseError) -> PositionEncoding {
        guard let text = value else { return .utf16 }
        guard let encoding = PositionEncoding(rawValue: text) else {
            throw ResponseError.invalidParams(
                "\(parameters.methodName): params.positionEncoding must be \"utf-16\" or \"utf-8\"; found \"\(text)\"")
        }
        return encoding
    }
}
