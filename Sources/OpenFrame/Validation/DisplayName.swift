import JSON

/// How messages name a place in the payload: the dotted form people write
/// (`phoneLogs[0].start_time`) rather than the pointer (`/phoneLogs/0/start_time`).
enum DisplayName {
    static func of(_ pointer: JSONPointer) -> String {
        guard !pointer.tokens.isEmpty else { return "the payload" }
        var text: [UInt8] = []
        text.reserveCapacity(64)
        write(pointer, into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `of(pointer)`, appended as UTF-8 bytes (messages are built in one buffer).
    static func write(_ pointer: JSONPointer, into text: inout [UInt8]) {
        guard !pointer.tokens.isEmpty else {
            text.append(contentsOf: "the payload".utf8)
            return
        }
        let start = text.count
        var spec: MemberSpec? = PayloadSchema.root
        for token in pointer.tokens {
            // The schema says which levels are arrays; past its end, digits read as an index.
            let isIndex = spec.map { $0.type == .array } ?? (!token.isEmpty && token.utf8.allSatisfy(ColumnName.isDigit))
            if isIndex {
                text.append(UInt8(ascii: "["))
                text.append(contentsOf: token.utf8)
                text.append(UInt8(ascii: "]"))
                spec = spec?.element
            } else {
                if text.count > start { text.append(UInt8(ascii: ".")) }
                text.append(contentsOf: token.utf8)
                spec = spec?.child(named: token)
            }
        }
    }

    /// For the start of a sentence.
    static func capitalized(_ pointer: JSONPointer) -> String {
        pointer.tokens.isEmpty ? "The payload" : of(pointer)
    }
}

/// "a", "a or b", "a, b or c": lists of the names that were expected.
func orList(_ names: [String]) -> String {
    switch names.count {
    case 0: ""
    case 1: names[0]
    default: names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
