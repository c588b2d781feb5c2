import JSON

/// One line of the sandbox file: an accepted write.
///
///     {"op":"create","sysId":"<32 hex>","number":"IMS0000001","payload":{…},"at":"2024-11-04T21:45:00.123Z"}
///     {"op":"update","sysId":"<32 hex>","payload":{…},"at":"2024-11-04T21:45:01.456Z"}
///
/// `payload` is the request body as received (written compactly), so replaying a line repeats the
/// very merge the live call did.
enum SandboxJournalEntry {
    case create(sysID: String, number: String, payload: JSONObject, at: String)
    case update(sysID: String, payload: JSONObject, at: String)

    /// The line, newline included. `payload` is written from the parsed request as it stands.
    static func line(op: String, sysID: String, number: String?, payload: JSONNode, at time: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.span.end - payload.span.start + 160)
        out += #"{"op":"#.utf8
        JSONWriter.writeString(op, into: &out)
        out += #","sysId":"#.utf8
        JSONWriter.writeString(sysID, into: &out)
        if let number {
            out += #","number":"#.utf8
            JSONWriter.writeString(number, into: &out)
        }
        out += #","payload":"#.utf8
        JSONWriter.write(payload, into: &out)
        out += #","at":"#.utf8
        JSONWriter.writeString(time, into: &out)
        out += "}\n".utf8
        return out
    }

    /// Reads a parsed line; the error says what is wrong with it, in words for the file's owner.
    init(_ line: JSONNode) throws(Malformed) {
        guard line.kind == .object else { throw Malformed("expected an object, found \(line.kind)") }
        func string(_ key: String) throws(Malformed) -> String {
            guard let node = line[key] else { throw Malformed("missing \"\(key)\"") }
            guard let text = node.stringValue else { throw Malformed("\"\(key)\" is \(node.kind), expected a string") }
            return text
        }
        let op = try string("op")
        let sysID = try string("sysId")
        guard SandboxIdentifiers.isSysID(sysID) else {
            throw Malformed("sysId \(JSONValue.string(sysID).jsonString) is not 32 lowercase hex digits")
        }
        guard let payloadNode = line["payload"] else { throw Malformed("missing \"payload\"") }
        guard case .object(let payload) = payloadNode.value else {
            throw Malformed("\"payload\" is \(payloadNode.kind), expected an object")
        }
        let time = try string("at")
        switch op {
        case "create":
            let number = try string("number")
            guard SandboxIdentifiers.sequence(ofNumber: number) != nil else {
                throw Malformed("number \(JSONValue.string(number).jsonString) is not IMS followed by digits")
            }
            self = .create(sysID: sysID, number: number, payload: payload, at: time)
        case "update":
            self = .update(sysID: sysID, payload: payload, at: time)
        default:
            throw Malformed("unknown op \(JSONValue.string(op).jsonString) (expected \"create\" or \"update\")")
        }
    }

    struct Malformed: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
