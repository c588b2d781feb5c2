import JSON

/// How messages name a place in the payload: the dotted form people write
/// (`phoneLogs[0].start_time`) rather than the pointer (`/phoneLogs/0/start_time`).
enum DisplayName {
    static func of(_ pointer: JSONPointer) -> String {
        guard !pointer.tokens.isEmpty else { return "the payload" }
        var text = ""
        var spec: MemberSpec? = PayloadSchema.root
        for token in pointer.tokens {
            // The schema says which levels are arrays; past its end, digits read as an index.
            let isIndex = spec.map { $0.type == .array } ?? (!token.isEmpty && token.utf8.allSatisfy(ColumnName.isDigit))
            if isIndex {
                text += "[\(token)]"
                spec = spec?.element
            } else {
                text += text.isEmpty ? token : "." + token
                spec = spec?.child(named: token)
            }
        }
        return text
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
