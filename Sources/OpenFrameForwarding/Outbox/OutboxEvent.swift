import JSON

/// One line of the outbox file. The file is a log of events; replaying them in order rebuilds every item.
///
///     {"ev":"item","id":"ob-…","seq":1,"op":"create","state":"queued","key":"ob-…","payload":{…},"queuedAt":"…","queuedEpoch":1733…,"at":"…",…}
///     {"ev":"sending","id":"ob-…","epoch":1733…,"at":"…"}         a send is about to go out: its outcome is unknown until told
///     {"ev":"notSent","id":"ob-…","reason":"…","at":"…"}          that send certainly did not act (refused, 429, 503)
///     {"ev":"delivered","id":"ob-…","result":{…},"sysId":"…","at":"…"}
///     {"ev":"parked","id":"ob-…","reason":"…","at":"…"}
///     {"ev":"failed","id":"ob-…","reason":"…","error":{…},"at":"…"}
///     {"ev":"requeued","id":"ob-…","at":"…"}                      an operator checked the instance: send again
///     {"ev":"discarded","id":"ob-…","at":"…"}
///
/// `item` carries a whole item: a newly accepted one, or one rewritten by compaction.
enum OutboxEvent: Equatable {
    case item(OutboxItem)
    case sending(id: String, epoch: Double, at: String)
    case notSent(id: String, reason: String, at: String)
    case delivered(id: String, result: JSONObject, sysId: String?, at: String)
    case parked(id: String, reason: String, at: String)
    case failed(id: String, reason: String, error: JSONObject, at: String)
    case requeued(id: String, at: String)
    case discarded(id: String, at: String)

    var id: String {
        switch self {
        case .item(let item): item.id
        case .sending(let id, _, _), .notSent(let id, _, _), .delivered(let id, _, _, _), .parked(let id, _, _),
            .failed(let id, _, _, _), .requeued(let id, _), .discarded(let id, _):
            id
        }
    }

    /// The line, newline included.
    var line: [UInt8] {
        var object: JSONObject
        switch self {
        case .item(let item):
            object = [
                "ev": "item", "id": .string(item.id), "seq": .int(item.seq), "op": .string(item.operation.rawValue),
                "state": .string(item.state.rawValue), "key": .string(item.key), "attempts": .int(item.attempts),
                "outcomeUnknown": .bool(item.outcomeUnknown), "queuedAt": .string(item.queuedAt),
                "queuedEpoch": .double(item.queuedEpoch), "at": .string(item.updatedAt),
            ]
            if let value = item.apiVersion { object["apiVersion"] = .string(value) }
            if let value = item.dependsOn { object["dependsOn"] = .string(value) }
            if let value = item.sysId { object["sysId"] = .string(value) }
            if let value = item.reason { object["reason"] = .string(value) }
            if let value = item.result { object["result"] = .object(value) }
            if let value = item.sentEpoch { object["sentEpoch"] = .double(value) }
            object["payload"] = item.payload
        case .sending(let id, let epoch, let at):
            object = ["ev": "sending", "id": .string(id), "epoch": .double(epoch), "at": .string(at)]
        case .notSent(let id, let reason, let at):
            object = ["ev": "notSent", "id": .string(id), "reason": .string(reason), "at": .string(at)]
        case .delivered(let id, let result, let sysId, let at):
            object = ["ev": "delivered", "id": .string(id), "result": .object(result), "at": .string(at)]
            if let sysId { object["sysId"] = .string(sysId) }
        case .parked(let id, let reason, let at):
            object = ["ev": "parked", "id": .string(id), "reason": .string(reason), "at": .string(at)]
        case .failed(let id, let reason, let error, let at):
            object = ["ev": "failed", "id": .string(id), "reason": .string(reason), "error": .object(error), "at": .string(at)]
        case .requeued(let id, let at):
            object = ["ev": "requeued", "id": .string(id), "at": .string(at)]
        case .discarded(let id, let at):
            object = ["ev": "discarded", "id": .string(id), "at": .string(at)]
        }
        var out = JSONWriter.serialize(.object(object))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// Reads a parsed line; the error says what is wrong with it.
    init(_ node: JSONNode) throws(SandboxJournalEntry.Malformed) {
        guard case .object(let line) = node.value else { throw .init("expected an object, found \(node.kind)") }
        func string(_ key: String) throws(SandboxJournalEntry.Malformed) -> String {
            guard let value = line[key] else { throw .init("missing \"\(key)\"") }
            guard let text = value.stringValue else { throw .init("\"\(key)\" is \(value.kind), expected a string") }
            return text
        }
        func object(_ key: String) throws(SandboxJournalEntry.Malformed) -> JSONObject {
            guard let value = line[key]?.objectValue else { throw .init("\"\(key)\" is missing or not an object") }
            return value
        }
        let ev = try string("ev")
        let id = try string("id")
        let at = try string("at")
        switch ev {
        case "item":
            guard let op = OutboxItem.Operation(rawValue: try string("op")) else { throw .init("\"op\" must be \"create\" or \"update\"") }
            guard let state = OutboxItem.State(rawValue: try string("state")) else { throw .init("unknown \"state\"") }
            guard let seq = line["seq"]?.intValue, let attempts = line["attempts"]?.intValue else {
                throw .init("\"seq\" and \"attempts\" must be integers")
            }
            guard let payload = line["payload"], payload.kind == .object else { throw .init("\"payload\" is missing or not an object") }
            guard let epoch = line["queuedEpoch"]?.doubleValue else { throw .init("\"queuedEpoch\" must be a number") }
            self = .item(
                OutboxItem(
                    id: id, seq: seq, operation: op, payload: payload, apiVersion: line["apiVersion"]?.stringValue,
                    key: try string("key"), dependsOn: line["dependsOn"]?.stringValue, sysId: line["sysId"]?.stringValue,
                    state: state, attempts: attempts, outcomeUnknown: line["outcomeUnknown"]?.boolValue ?? false,
                    sentEpoch: line["sentEpoch"]?.doubleValue,
                    reason: line["reason"]?.stringValue, result: line["result"]?.objectValue,
                    queuedAt: try string("queuedAt"), queuedEpoch: epoch, updatedAt: at))
        case "sending":
            guard let epoch = line["epoch"]?.doubleValue else { throw .init("\"epoch\" must be a number") }
            self = .sending(id: id, epoch: epoch, at: at)
        case "notSent": self = .notSent(id: id, reason: try string("reason"), at: at)
        case "delivered": self = .delivered(id: id, result: try object("result"), sysId: line["sysId"]?.stringValue, at: at)
        case "parked": self = .parked(id: id, reason: try string("reason"), at: at)
        case "failed": self = .failed(id: id, reason: try string("reason"), error: try object("error"), at: at)
        case "requeued": self = .requeued(id: id, at: at)
        case "discarded": self = .discarded(id: id, at: at)
        default: throw .init("unknown \"ev\" \(JSONValue.string(ev).jsonString)")
        }
    }

    /// Applies the event to the items; false when it names an item that does not exist (or exists twice).
    func apply(to items: inout [String: OutboxItem]) -> Bool {
        if case .item(let item) = self {
            items[item.id] = item
            return true
        }
        guard var item = items[id] else { return false }
        switch self {
        case .item: break
        case .sending(_, let epoch, let at):
            item.attempts += 1
            item.outcomeUnknown = true
            item.sentEpoch = epoch
            item.updatedAt = at
        case .notSent(_, let reason, let at):
            item.outcomeUnknown = false
            item.reason = reason
            item.updatedAt = at
        case .delivered(_, let result, let sysId, let at):
            item.state = .delivered
            item.outcomeUnknown = false
            item.result = result
            item.reason = nil
            if let sysId { item.sysId = sysId }
            item.updatedAt = at
        case .parked(_, let reason, let at):
            item.state = .parked
            item.reason = reason
            item.updatedAt = at
        case .failed(_, let reason, let error, let at):
            item.state = .failed
            item.reason = reason
            item.result = error
            item.outcomeUnknown = false
            item.updatedAt = at
        case .requeued(_, let at):
            item.state = .queued
            item.outcomeUnknown = false
            item.reason = "re-queued by an operator"
            item.updatedAt = at
        case .discarded:
            items[id] = nil
            return true
        }
        items[id] = item
        return true
    }
}
