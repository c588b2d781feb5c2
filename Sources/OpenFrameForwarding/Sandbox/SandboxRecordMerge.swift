import JSON

/// How a create or update payload lands in a stored interaction record, as the openframe API applies it:
/// - `interaction`: members overwrite, except `additionalParams`, whose fields overwrite or add;
/// - `interactionContext`: variables overwrite or add;
/// - `phoneLogs`: an entry whose `call_id` matches a stored log merges its fields into that log;
///   a new `call_id`, or none, appends;
/// - `relatedRecords`: appended unless the same (documentTable, documentId) pair is already there.
/// Other top-level members are not part of the record and are ignored, as the instance ignores them;
/// values of an unexpected type (which validation would have reported) are skipped, never trusted.
enum SandboxRecordMerge {
    static func merge(_ payload: JSONObject, into record: inout JSONObject) {
        for member in payload.members {
            switch member.key {
            case "interaction":
                if case .object(let fields) = member.value { mergeInteraction(fields, into: &record) }
            case "interactionContext":
                if case .object(let variables) = member.value { mergeObject(at: "interactionContext", fields: variables, into: &record) }
            case "phoneLogs":
                if case .array(let logs) = member.value { mergePhoneLogs(logs, into: &record) }
            case "relatedRecords":
                if case .array(let related) = member.value { mergeRelatedRecords(related, into: &record) }
            default:
                continue
            }
        }
    }

    private static func mergeInteraction(_ fields: JSONObject, into record: inout JSONObject) {
        var interaction = record["interaction"]?.objectValue ?? JSONObject()
        for field in fields.members {
            if field.key == "additionalParams", case .object(let params) = field.value {
                mergeObject(at: "additionalParams", fields: params, into: &interaction)
            } else {
                interaction[field.key] = field.value
            }
        }
        record["interaction"] = .object(interaction)
    }

    /// Fields overwrite or add into the object stored under `key` (created when absent).
    private static func mergeObject(at key: String, fields: JSONObject, into parent: inout JSONObject) {
        var object = parent[key]?.objectValue ?? JSONObject()
        merge(fields: fields, into: &object)
        parent[key] = .object(object)
    }

    private static func merge(fields: JSONObject, into object: inout JSONObject) {
        for field in fields.members { object[field.key] = field.value }
    }

    private static func mergePhoneLogs(_ entries: [JSONValue], into record: inout JSONObject) {
        var logs = record["phoneLogs"]?.arrayValue ?? []
        for case .object(let entry) in entries {
            if let callID = callID(of: entry),
                let index = logs.firstIndex(where: { $0.objectValue.flatMap(Self.callID(of:)) == callID }),
                var log = logs[index].objectValue
            {
                merge(fields: entry, into: &log)
                logs[index] = .object(log)
            } else {
                logs.append(.object(entry))
            }
        }
        record["phoneLogs"] = .array(logs)
    }

    /// The call_id a log is matched by: a non-empty string, or a number by its text (a field of the
    /// Phone Log table, so 42 and "42" name the same call). Anything else is no call_id.
    private static func callID(of log: JSONObject) -> String? {
        switch log["call_id"] {
        case .string(let text) where !text.isEmpty: text
        case .number(let number): number.text
        default: nil
        }
    }

    private static func mergeRelatedRecords(_ entries: [JSONValue], into record: inout JSONObject) {
        var related = record["relatedRecords"]?.arrayValue ?? []
        for case .object(let entry) in entries {
            let table = entry["documentTable"], id = entry["documentId"]
            if !related.contains(where: { $0["documentTable"] == table && $0["documentId"] == id }) {
                related.append(.object(entry))
            }
        }
        record["relatedRecords"] = .array(related)
    }
}
