import JSON
import JSONRPC
import OpenFrame
import OpenFrameForwarding

/// `openframe/createVoiceInteraction` and `openframe/updateVoiceInteraction`: validate with the
/// shared core, then forward to the configured target, reporting each stage as `$/progress`.
/// A payload with any error is never sent.
enum ForwardMethods {
    static let create = "openframe/createVoiceInteraction"
    static let update = "openframe/updateVoiceInteraction"

    static func name(of operation: Operation) -> String { operation == .create ? create : update }

    /// A -32800 answer's `data` (protocol.md, Cancellation): whether the request had gone out, and so
    /// whether the instance may have acted on it (a create may have made its record). The server
    /// starts every create and update with `notSent`; the first send makes it `sent`.
    static let notSent: JSONValue = ["sent": false, "mayHaveActed": false]
    static let sent: JSONValue = ["sent": true, "mayHaveActed": true]

    /// One path for both methods: params, validation (nothing invalid is sent), the forward, progress.
    static func handle(_ context: RequestContext, _ operation: Operation, target box: TargetBox) async throws -> JSONValue {
        let method = name(of: operation)
        let parameters = context.parameters
        var allowed: Set<String> = ["payload", "apiVersion", "workDoneToken", "delivery"]  // delivery: "immediate" (see DurableForward)
        if operation == .update { allowed.insert("interactionSysId") }
        try parameters.rejectUnknown(allowed: allowed)
        var sysId: String?
        if operation == .update {
            let text = try parameters.requireString("interactionSysId")
            guard SysID.isValid(text) else {
                throw ResponseError.invalidParams(
                    "\(method): params.interactionSysId must be 32 hexadecimal characters (a sys_id); it becomes part of the URL")
            }
            // One rule for every target: a sys_id is hexadecimal in any case and goes out in lowercase,
            // the form the platform generates (the sandbox keys records by it; an instance compares it as given).
            sysId = text.lowercased()
        }
        let payload = try parameters.require("payload", .object)
        let apiVersion = try APIVersionParam.read(parameters)
        // After a failed `initialize` that named an instance there is no target until one succeeds:
        // a host that asked for an instance never gets the sandbox's SUCCESS.
        let target = try box.resolve(method: method)
        let progress = try WorkDoneProgress(token: TokenParam.read(parameters), context: context)
        progress.begin(title: operation == .create ? "Creating voice interaction" : "Updating voice interaction", message: "validating")
        defer { progress.end() }

        try ensureValid(Validator.validate(payload, operation: operation, interactionSysId: sysId), method: method, progress: progress)
        let result = try await forward(context: context, progress: progress) { (sink) async throws(ForwardingError) -> JSONObject in
            if let sysId {
                return try await target.update(sysId: sysId, payload: payload, apiVersion: apiVersion, progress: sink)
            }
            return try await target.create(payload: payload, apiVersion: apiVersion, progress: sink)
        }
        if operation == .create {
            progress.end("created" + (result["number"]?.stringValue.map { " \($0)" } ?? ""))
        } else {
            progress.end("updated")
        }
        return answer(result, target: target)
    }

    static func ensureValid(_ report: ValidationReport, method: String, progress: WorkDoneProgress) throws(ResponseError) {
        let errors = report.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            progress.end("not sent: the payload has \(errors.count) error\(errors.count == 1 ? "" : "s")")
            let first = errors[0]
            throw ResponseError.invalidParams(
                "\(method): the payload is invalid and was not sent: \(first.message)\(errors.count > 1 ? " (and \(errors.count - 1) more)" : "")",
                data: ["diagnostics": .array(report.diagnostics.map { $0.json(lineIndex: nil) })])
        }
        let warnings = report.diagnostics.count
        progress.report(warnings == 0 ? "validated" : "validated with \(warnings) warning\(warnings == 1 ? "" : "s")")
    }

    static func forward(
        context: RequestContext,
        progress: WorkDoneProgress,
        _ body: (@escaping ProgressSink) async throws(ForwardingError) -> JSONObject
    ) async throws(ResponseError) -> JSONObject {
        do {
            return try await body { event in
                if case .sending = event { context.cancellation.setData(sent) }
                progress.report(event.message)
            }
        } catch {
            progress.end(error.shortDescription)
            throw ForwardingErrorMapping.responseError(error)
        }
    }

    static func answer(_ result: JSONObject, target: any InteractionTarget) -> JSONValue {
        var result = result
        result["target"] = .string(target.kind.rawValue)
        return .object(result)
    }
}

/// `apiVersion`: `v` and digits, because it becomes a path segment.
enum APIVersionParam {
    static func read(_ parameters: Parameters) throws(ResponseError) -> String? {
        guard let text = try parameters.optionalString("apiVersion") else { return nil }
        let digits = text.utf8.dropFirst()
        guard text.hasPrefix("v"), !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ResponseError.invalidParams(
                "\(parameters.methodName): params.apiVersion must be 'v' followed by digits, such as \"v1\"; found \"\(text)\"")
        }
        return text
    }
}

/// `workDoneToken`: LSP's ProgressToken, a string or an integer.
enum TokenParam {
    static func read(_ parameters: Parameters) throws(ResponseError) -> JSONValue? {
        guard let node = try parameters.member("workDoneToken") else { return nil }
        guard node.kind == .string || node.kind == .number else {
            throw ResponseError.invalidParams(
                "\(parameters.methodName): params.workDoneToken must be a string or a number; found \(node.kind)")
        }
        return node.value
    }
}

extension ForwardingProgress {
    /// What the host's progress UI shows for each stage.
    var message: String {
        switch self {
        case .sending(let host, let attempt):
            attempt == 1 ? "sending to \(host)" : "sending to \(host) (attempt \(attempt))"
        case .waiting(let host):
            "waiting for \(host)"
        case .retrying(let attempt, let reason, let delay):
            "retrying (attempt \(attempt)) in \(Self.seconds(delay)): \(reason)"
        case .queued(let position):
            "queued: \(position) ahead under --max-concurrent-forwards"
        }
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
