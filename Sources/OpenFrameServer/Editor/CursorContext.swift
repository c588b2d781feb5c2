import JSON

/// Where an offset stands in a payload document, read leniently so that it works on half-typed
/// text: unterminated strings (they end at the line's end), missing commas, colons and closing
/// brackets, bare words where a quoted name belongs. Hover and completion read it; validation
/// uses the strict parser.
struct CursorContext: Equatable {
    enum Purpose {
        /// The token under the cursor: a string from its opening quote up to (not including) its end.
        case hover
        /// The token the cursor is typing in: inside a string's quotes, or at or after a bare word's start.
        case completion
    }

    /// The token the offset is on.
    enum Place: Equatable {
        /// A member name: a string (`quoted`) or a bare word where a name belongs.
        case key(name: String, span: SourceSpan, quoted: Bool)
        /// Between tokens where a member name belongs (after `{` or `,` in an object).
        case memberSlot
        /// A value, punctuation, or anywhere no name belongs.
        case other
    }

    /// The object or array holding the offset (the root pointer when it is the top-level object).
    var container: JSONPointer
    var containerIsObject: Bool
    var place: Place
    /// Names of the container's members, in order, wherever they stand (before or after the
    /// offset), without the one under the offset.
    var presentKeys: [String]
    /// Where the container starts; nil when the offset is outside any container.
    var containerStart: Int?

    static func at(_ offset: Int, in bytes: [UInt8], purpose: Purpose) -> CursorContext {
        var scanner = LenientScanner(bytes: bytes, target: offset, purpose: purpose)
        return scanner.run()
    }
}

private struct LenientScanner {
    let bytes: [UInt8]
    let target: Int
    let purpose: CursorContext.Purpose

    enum State { case key, colon, value, comma }

    struct Frame {
        var isObject: Bool
        var start: Int
        /// The member name or index this container is the value of (nil for the top level).
        var token: String?
        var state: State
        var pendingKey: String?
        var index = 0
        var keys: [String] = []
    }

    var stack: [Frame] = []
    var i = 0
    /// The context once found; `depth` is the size of the stack when it was, so that the container's
    /// later members can still be collected.
    var found: CursorContext?
    var depth = 0
    var excludedKey: Int?

    init(bytes: [UInt8], target: Int, purpose: CursorContext.Purpose) {
        self.bytes = bytes
        self.target = max(0, min(target, bytes.count))
        self.purpose = purpose
    }

    mutating func run() -> CursorContext {
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        while i < n {
            let c = bytes[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                i += 1
                continue
            }
            let start = i
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                captureBetween(before: start)
                let token = valueToken()
                stack.append(
                    Frame(isObject: c == UInt8(ascii: "{"), start: start, token: token, state: c == UInt8(ascii: "{") ? .key : .value))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                captureBetween(before: start)
                i += 1
                // Close the innermost container of this kind (and any left open inside it);
                // a closer that matches nothing open is a stray, ignored.
                let isObject = c == UInt8(ascii: "}")
                guard let match = stack.lastIndex(where: { $0.isObject == isObject }) else { continue }
                if found != nil, match < depth { return finish() }
                stack.removeSubrange(match...)
                if !stack.isEmpty { stack[stack.count - 1].state = .comma }
            case UInt8(ascii: ":"):
                captureBetween(before: start)
                i += 1
                if let top = stack.last, top.isObject { stack[stack.count - 1].state = .value }
            case UInt8(ascii: ","):
                captureBetween(before: start)
                i += 1
                guard let top = stack.last else { continue }
                if top.isObject {
                    stack[stack.count - 1].state = .key
                    stack[stack.count - 1].pendingKey = nil
                } else {
                    stack[stack.count - 1].index += 1
                    stack[stack.count - 1].state = .value
                }
            case UInt8(ascii: "\""):
                let (end, terminated) = scanString(from: start)
                let inside: Bool
                switch purpose {
                case .hover: inside = start <= target && target < end
                case .completion: inside = start < target && (target < end || (!terminated && target <= end))
                }
                if !inside { captureBetween(before: start) }
                let wasKey = isKeyPosition
                token(
                    start: start, end: end, name: inside || wasKey ? decodeString(start, end, terminated: terminated) : "", quoted: true,
                    inside: inside)
                // A name cut off by the line's end is a member still being typed: whatever string
                // comes next starts another member rather than being its value.
                if wasKey, !terminated { stack[stack.count - 1].state = .comma }
                i = end
            default:
                var end = start
                while end < n, !isDelimiter(bytes[end]) { end += 1 }
                let inside = start <= target && (target < end || (purpose == .completion && target == end))
                if !inside { captureBetween(before: start) }
                token(start: start, end: end, name: String(decoding: bytes[start..<end], as: UTF8.self), quoted: false, inside: inside)
                i = end
            }
        }
        captureBetween(before: n + 1)
        return finish()
    }

    var isKeyPosition: Bool {
        guard let top = stack.last, top.isObject else { return false }
        // After a value without a comma, a string most likely starts the next member.
        return top.state == .key || top.state == .comma
    }

    /// A scalar token: a member name in key position, else a value.
    mutating func token(start: Int, end: Int, name: String, quoted: Bool, inside: Bool) {
        if isKeyPosition {
            if inside, found == nil {
                excludedKey = stack[stack.count - 1].keys.count
                capture(.key(name: name, span: SourceSpan(start: start, end: end), quoted: quoted))
            }
            stack[stack.count - 1].keys.append(name)
            stack[stack.count - 1].pendingKey = name
            stack[stack.count - 1].state = .colon
        } else {
            if inside, found == nil { capture(.other) }
            _ = valueToken()
        }
    }

    /// A value starts in the current container: the name or index it is the value of.
    mutating func valueToken() -> String? {
        guard let top = stack.last else { return nil }
        stack[stack.count - 1].state = .comma
        return top.isObject ? (top.pendingKey ?? "") : String(top.index)
    }

    /// The offset lies before `position`, between tokens: the context is the current container's state.
    mutating func captureBetween(before position: Int) {
        // At exactly a token's start, a completion inserts before it; a hover is on the token.
        guard found == nil, target < position || (target == position && purpose == .completion) else { return }
        let slot = stack.last.map { $0.isObject && $0.state == .key } ?? false
        capture(slot ? .memberSlot : .other)
    }

    mutating func capture(_ place: CursorContext.Place) {
        let tokens = stack.dropFirst().map { $0.token ?? "" }
        found = CursorContext(
            container: JSONPointer(Array(tokens)), containerIsObject: stack.last?.isObject ?? false,
            place: place, presentKeys: [], containerStart: stack.last?.start)
        depth = stack.count
    }

    mutating func finish() -> CursorContext {
        guard var context = found else {
            return CursorContext(container: JSONPointer(), containerIsObject: false, place: .other, presentKeys: [], containerStart: nil)
        }
        if depth > 0, depth <= stack.count {
            var keys = stack[depth - 1].keys
            if let excludedKey, excludedKey < keys.count { keys.remove(at: excludedKey) }
            context.presentKeys = keys
        }
        return context
    }

    /// The end of the string starting at `start` (past its closing quote), or the end of its line
    /// when it is not terminated there.
    func scanString(from start: Int) -> (end: Int, terminated: Bool) {
        var j = start + 1
        while j < bytes.count {
            switch bytes[j] {
            case UInt8(ascii: "\""): return (j + 1, true)
            case UInt8(ascii: "\\"):
                // An escape never spans lines: a backslash at a line's end leaves the string unterminated there.
                if j + 1 < bytes.count, bytes[j + 1] == 0x0A || bytes[j + 1] == 0x0D { return (j + 1, false) }
                j += 2
            case 0x0A, 0x0D: return (j, false)
            default: j += 1
            }
        }
        return (bytes.count, false)
    }

    func decodeString(_ start: Int, _ end: Int, terminated: Bool) -> String {
        let content = bytes[(start + 1)..<(terminated ? end - 1 : end)]
        // Nearly every name holds no escape: its bytes are its value.
        if !content.contains(UInt8(ascii: "\\")) { return String(decoding: content, as: UTF8.self) }
        let literal = Array(bytes[start..<end]) + (terminated ? [] : [UInt8(ascii: "\"")])
        if let value = (try? JSONParser.parse(literal))?.root.stringValue { return value }
        // A half-typed escape: the raw characters are the best guess.
        return String(decoding: bytes[(start + 1)..<(terminated ? end - 1 : end)], as: UTF8.self)
    }

    func isDelimiter(_ c: UInt8) -> Bool {
        switch c {
        case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "\""):
            true
        default:
            false
        }
    }
}
