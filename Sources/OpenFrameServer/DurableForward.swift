import JSON
import JSONRPC
import OpenFrame
import OpenFrameForwarding

/// `"delivery": "durable"` on create and update: validate, store in the outbox (fsynced), then let the
/// outbox deliver; answer with the result if it is delivered within `waitMs`, else QUEUED. Requests without
/// `delivery`, or with `"delivery": "immediate"`, go the usual way (`ForwardMethods`).
enum DurableForward {
    static let defaultWaitMs = 2000
    static let maxWaitMs = 600_000

    /// True when the request asks for durable delivery (or names a member only durable delivery has, which
    /// `handle` then explains).
    static func applies(_ context: RequestContext) -> Bool {
        guard let params = context.params, params.kind == .object else { return false }
        if params["waitMs"] != nil || params["outboxId"] != nil { return true }
        guard let delivery = params["delivery"] else { return false }
        return !delivery.stringEquals("immediate")
    }

    static func handle(_ context: RequestContext, _ operation: Operation, outbox: OutboxDelivery?) async throws -> JSONValue {
        let method = ForwardMethods.name(of: operation)
        let parameters = context.parameters
        var allowed: Set<String> = ["payload", "apiVersion", "workDoneToken", "delivery", "waitMs"]
        if operation == .update { allowed.formUnion(["interactionSysId", "outboxId"]) }
        try parameters.rejectUnknown(allowed: allowed)
        let delivery = try parameters.optionalString("delivery")
        guard delivery == "durable" else {
            if let delivery, delivery != "immediate" {
                throw ResponseError.invalidParams("\(method): params.delivery must be \"durable\" or \"immediate\"; found \"\(delivery)\"")
            }
            throw ResponseError.invalidParams("\(method): params.waitMs and params.outboxId need \"delivery\": \"durable\"")
        }
        guard let outbox else {
            throw ResponseError.invalidParams(
                "\(method): \"delivery\": \"durable\" needs an outbox; start the server with --outbox FILE or pass initializationOptions.outbox"
            )
        }
        var waitMs = defaultWaitMs
        if let node = try parameters.member("waitMs") {
            guard let value = node.intValue, value >= 0, value <= maxWaitMs else {
                throw ResponseError.invalidParams("\(method): params.waitMs must be a whole number of milliseconds from 0 to \(maxWaitMs)")
            }
            waitMs = value
        }

        var sysId: String?
        var dependsOn: String?
        if operation == .update {
            let named = try parameters.optionalString("interactionSysId")
            let outboxId = try parameters.optionalString("outboxId")
            switch (named, outboxId) {
            case (let text?, nil):
                guard SysID.isValid(text) else {
                    throw ResponseError.invalidParams(
                        "\(method): params.interactionSysId must be 32 hexadecimal characters (a sys_id); it becomes part of the URL")
                }
                sysId = text.lowercased()  // one rule with immediate updates (ForwardMethods)
            case (nil, let id?):
                guard let create = outbox.store.item(id), create.operation == .create else {
                    throw ResponseError.invalidParams(
                        "\(method): params.outboxId \(JSONValue.string(id).jsonString) is not a create in the outbox "
                            + "(see openframe/outbox; delivered items leave the outbox after --outbox-max-age: use the sysId then)")
                }
                if create.state == .failed {
                    throw ResponseError.invalidParams(
                        "\(method): the create \(id) failed (\(create.reason ?? "")), so there is no record to update")
                }
                dependsOn = id
            default:
                throw ResponseError.invalidParams(
                    "\(method): give exactly one of params.interactionSysId and params.outboxId (the create's, for a create still in the outbox)"
                )
            }
        }
        let payload = try parameters.require("payload", .object)
        let apiVersion = try APIVersionParam.read(parameters)
        let progress = try WorkDoneProgress(token: TokenParam.read(parameters), context: context)
        progress.begin(title: operation == .create ? "Creating voice interaction" : "Updating voice interaction", message: "validating")
        defer { progress.end() }

        try ForwardMethods.ensureValid(
            Validator.validate(payload, operation: operation, interactionSysId: sysId),
            method: method, progress: progress)
        let item: OutboxItem
        do throws(OutboxFileError) {
            item = try outbox.submit(
                operation: operation == .create ? .create : .update, payload: payload.value,
                apiVersion: apiVersion, dependsOn: dependsOn, sysId: sysId)
        } catch {
            progress.end("not accepted: the outbox could not store it")
            throw ResponseError(
                code: .outboxUnavailable,
                message: "\(method): not accepted, nothing was queued or sent: \(error.description)",
                data: ["reason": .string(error.description)])
        }
        progress.report("stored in the outbox as \(item.id)")

        let now = await outbox.waitForOutcome(item.id, seconds: Double(waitMs) / 1000) ?? item
        if Task.isCancelled {
            progress.end("cancelled (\(item.id) stays in the outbox and will be delivered)")
            throw ResponseError.cancelled("request cancelled; \(item.id) stays in the outbox and will be delivered")
        }
        switch now.state {
        case .delivered:
            progress.end(operation == .create ? "created" + (now.result?["number"]?.stringValue.map { " \($0)" } ?? "") : "updated")
            var result = now.result ?? [:]
            result["outboxId"] = .string(item.id)
            return .object(result)
        case .failed:
            progress.end("failed: \(now.reason ?? "")")
            throw OutboxNotifications.error(of: now)
        case .parked:
            progress.end("parked: \(now.reason ?? "")")
            return ["status": "PARKED", "outboxId": .string(item.id), "reason": .string(now.reason ?? "")]
        case .queued:
            progress.end("queued as \(item.id)")
            return ["status": "QUEUED", "outboxId": .string(item.id)]
        }
    }
}
