/// Strict RFC 8259 parser over UTF-8 bytes, producing a `JSONDocument`.
///
/// Iterative, with an explicit stack, so a deeply nested input is an error at `maxDepth`
/// and never a stack overflow. Rejects invalid UTF-8, lone surrogate escapes, leading zeros,
/// trailing commas and raw control characters; a leading UTF-8 byte order mark is ignored
/// (RFC 8259 §8.1 allows that). Duplicate keys are recorded, not fatal.
public enum JSONParser {
    public struct Options: Sendable {
        public var maxDepth: Int
        public var detectDuplicateKeys: Bool

        public init(maxDepth: Int = JSONParser.defaultMaxDepth, detectDuplicateKeys: Bool = true) {
            self.maxDepth = maxDepth
            self.detectDuplicateKeys = detectDuplicateKeys
        }
    }

    public static let defaultMaxDepth = 256

    public static func parse(_ bytes: [UInt8], options: Options = Options()) throws(JSONParseError) -> JSONDocument {
        guard bytes.count < Int(UInt32.max) else {
            throw JSONParseError(kind: .syntax, offset: 0, reason: "text of \(bytes.count) bytes is larger than 4 GiB")
        }
        let (nodes, duplicates): ([JSONDocument.Node], [(Int, Int, Int)])
        do {
            (nodes, duplicates) = try bytes.withUnsafeBufferPointer { buffer in
                var scanner = Scanner(buffer, options: options)
                try scanner.parseDocument()
                return (scanner.nodes, scanner.duplicates)
            }
        } catch let error as JSONParseError {
            throw error
        } catch {
            fatalError("unreachable: the scanner throws only JSONParseError")
        }
        return JSONDocument(bytes: bytes, nodes: nodes, duplicates: duplicates)
    }

    public static func parse(_ text: String, options: Options = Options()) throws(JSONParseError) -> JSONDocument {
        try parse(Array(text.utf8), options: options)
    }
}

private struct Scanner {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    let options: Options
    var i = 0
    var nodes: [JSONDocument.Node] = []
    var stack: [Int] = []
    var duplicates: [(Int, Int, Int)] = []

    typealias Options = JSONParser.Options

    init(_ p: UnsafeBufferPointer<UInt8>, options: Options) {
        self.p = p
        self.n = p.count
        self.options = options
        nodes.reserveCapacity(min(n / 6 + 4, 1 << 20))
    }

    // MARK: errors

    func fail(_ reason: String, at offset: Int? = nil, kind: JSONParseError.Kind = .syntax) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset ?? i, reason: reason)
    }

    func found(_ offset: Int) -> String {
        guard offset < n else { return "end of input" }
        let c = p[offset]
        switch c {
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(c)))'"
        case 0x0A: return "a line break"
        case 0x09: return "a tab"
        default: return "byte 0x\(String(c, radix: 16, uppercase: true))"
        }
    }

    // MARK: structure

    @inline(__always) mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    mutating func parseDocument() throws(JSONParseError) {
        if n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }
        skipWhitespace()
        if i == n { throw JSONParseError(kind: .empty, offset: i, reason: "no JSON value: the text is empty") }

        expectValue: while true {
            skipWhitespace()
            guard i < n else { throw fail("unexpected end of input; expected a value") }
            let start = i
            switch p[i] {
            case UInt8(ascii: "{"):
                try open(.object)
                skipWhitespace()
                if i < n, p[i] == UInt8(ascii: "}") {
                    close()
                } else {
                    try parseKey(afterComma: false)
                    continue expectValue
                }
            case UInt8(ascii: "["):
                try open(.array)
                skipWhitespace()
                if i < n, p[i] == UInt8(ascii: "]") {
                    close()
                } else {
                    continue expectValue
                }
            case UInt8(ascii: "\""):
                let escaped = try scanString()
                append(.string, start, escaped: escaped)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try scanNumber()
                append(.number, start)
            case UInt8(ascii: "t"):
                try literal("true")
                append(.bool, start)
            case UInt8(ascii: "f"):
                try literal("false")
                append(.bool, start)
            case UInt8(ascii: "n"):
                try literal("null")
                append(.null, start)
            case UInt8(ascii: "]") where stack.last.map({ nodes[$0].kind == .array }) == true:
                throw fail("trailing comma before ']'; expected a value")
            default:
                throw fail("unexpected \(found(i)); expected a value (object, array, string, number, true, false or null)")
            }

            // A value is complete: walk up through the containers it may close.
            while true {
                guard let top = stack.last else {
                    skipWhitespace()
                    if i != n { throw fail("unexpected \(found(i)) after the JSON value; expected the end of the text") }
                    return
                }
                nodes[top].count += 1
                skipWhitespace()
                guard i < n else {
                    let what = nodes[top].kind == .object ? "',' or '}'" : "',' or ']'"
                    throw fail(
                        "unexpected end of input; expected \(what) to continue the \(nodes[top].kind == .object ? "object" : "array") opened at byte \(nodes[top].start)"
                    )
                }
                let c = p[i]
                if nodes[top].kind == .object {
                    if c == UInt8(ascii: ",") {
                        i += 1
                        try parseKey(afterComma: true)
                        continue expectValue
                    } else if c == UInt8(ascii: "}") {
                        close()
                    } else {
                        throw fail("unexpected \(found(i)) after an object member; expected ',' or '}'")
                    }
                } else {
                    if c == UInt8(ascii: ",") {
                        i += 1
                        skipWhitespace()
                        if i < n, p[i] == UInt8(ascii: "]") { throw fail("trailing comma before ']'; expected a value") }
                        continue expectValue
                    } else if c == UInt8(ascii: "]") {
                        close()
                    } else {
                        throw fail("unexpected \(found(i)) after an array element; expected ',' or ']'")
                    }
                }
            }
        }
    }

    @inline(__always) mutating func append(_ kind: JSONKind, _ start: Int, escaped: Bool = false) {
        let index = nodes.count
        nodes.append(
            JSONDocument.Node(
                start: UInt32(start), end: UInt32(i), next: UInt32(index + 1), count: 0, kind: kind, escaped: escaped))
    }

    mutating func open(_ kind: JSONKind) throws(JSONParseError) {
        if stack.count >= options.maxDepth {
            throw fail("nesting deeper than \(options.maxDepth) levels", kind: .tooDeep)
        }
        stack.append(nodes.count)
        nodes.append(JSONDocument.Node(start: UInt32(i), end: 0, next: 0, count: 0, kind: kind, escaped: false))
        i += 1
    }

    /// At the closing bracket of the innermost container.
    mutating func close() {
        let top = stack.removeLast()
        i += 1
        nodes[top].end = UInt32(i)
        nodes[top].next = UInt32(nodes.count)
        if options.detectDuplicateKeys, nodes[top].kind == .object, nodes[top].count > 1 { findDuplicates(top) }
    }

    mutating func parseKey(afterComma: Bool) throws(JSONParseError) {
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: "\"") else {
            if afterComma, i < n, p[i] == UInt8(ascii: "}") { throw fail("trailing comma before '}'; expected a member name") }
            throw fail("unexpected \(found(i)); expected a member name in double quotes\(afterComma ? "" : " or '}'")")
        }
        let start = i
        let escaped = try scanString()
        append(.string, start, escaped: escaped)
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: ":") else {
            throw fail("unexpected \(found(i)) after a member name; expected ':'")
        }
        i += 1
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<count {
            guard i + k < n, p[i + k] == w[k] else {
                throw fail("invalid literal; expected '\(word)'", at: i)
            }
        }
        i += count
    }

    // MARK: numbers

    mutating func scanNumber() throws(JSONParseError) {
        let start = i
        if p[i] == UInt8(ascii: "-") {
            i += 1
            guard i < n, isDigit(p[i]) else { throw fail("a '-' must be followed by a digit") }
        }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < n, isDigit(p[i]) { throw fail("leading zeros are not allowed in numbers", at: start) }
        } else {
            while i < n, isDigit(p[i]) { i += 1 }
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(p[i]) else { throw fail("a decimal point must be followed by a digit") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n, isDigit(p[i]) else { throw fail("an exponent must have digits") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    // MARK: strings

    /// At the opening quote; leaves `i` past the closing quote. Returns whether it held an escape.
    mutating func scanString() throws(JSONParseError) -> Bool {
        let open = i
        i += 1
        var escaped = false
        while true {
            // Eight bytes at a time (SWAR) while they are plain ASCII: most strings are.
            if let base = p.baseAddress {
                while i &+ 8 <= n {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    let special = Self.specialBytes(word)
                    if special != 0 {
                        i &+= special.trailingZeroBitCount >> 3
                        break
                    }
                    i &+= 8
                }
            }
            while i < n {
                let c = p[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C && c < 0x80 { i += 1 } else { break }
            }
            guard i < n else { throw fail("unterminated string starting at byte \(open); expected '\"'") }
            let c = p[i]
            if c == 0x22 {
                i += 1
                return escaped
            } else if c == 0x5C {
                escaped = true
                try scanEscape()
            } else if c < 0x20 {
                let hex = String(c, radix: 16, uppercase: true)
                throw fail(
                    "control character U+\(hex.count == 1 ? "000" : "00")\(hex) in a string; write it as an escape such as \\n or \\u00\(hex.count == 1 ? "0" : "")\(hex)"
                )
            } else {
                try scanUTF8()
            }
        }
    }

    /// The high bit of each byte of `word` that is '"', '\\', below 0x20 or at least 0x80. Borrows
    /// can mark bytes after the first such byte, never before it, so the lowest bit is exact.
    @inline(__always) static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & high
    }

    mutating func scanEscape() throws(JSONParseError) {
        let start = i
        i += 1
        guard i < n else { throw fail("unterminated escape sequence") }
        switch p[i] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 1
        case UInt8(ascii: "u"):
            i += 1
            let unit = try hex4()
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard i + 1 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw fail(
                        "lone surrogate \\u\(String(unit, radix: 16, uppercase: true)): a high surrogate must be followed by a \\u low surrogate",
                        at: start)
                }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail(
                        "lone surrogate \\u\(String(unit, radix: 16, uppercase: true)): it is followed by \\u\(String(low, radix: 16, uppercase: true)), which is not a low surrogate",
                        at: start)
                }
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail(
                    "lone surrogate \\u\(String(unit, radix: 16, uppercase: true)): a low surrogate must follow a high surrogate", at: start
                )
            }
        default:
            throw fail("invalid escape \\\(found(i).trimmingQuotes); expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: start)
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= n else { throw fail("a \\u escape needs four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs four hexadecimal digits; found \(found(i))")
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    /// At a byte >= 0x80 inside a string.
    mutating func scanUTF8() throws(JSONParseError) {
        let c = p[i]
        var need = 0
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: throw fail("invalid UTF-8: byte 0x\(String(c, radix: 16, uppercase: true)) cannot start a character", kind: .invalidUTF8)
        }
        guard i + need < n else { throw fail("invalid UTF-8: the text ends inside a multi-byte character", kind: .invalidUTF8) }
        let second = p[i + 1]
        guard second >= lo && second <= hi else {
            throw fail(
                "invalid UTF-8: byte 0x\(String(second, radix: 16, uppercase: true)) cannot follow 0x\(String(c, radix: 16, uppercase: true))",
                at: i + 1, kind: .invalidUTF8)
        }
        if need > 1 {
            for k in 2...need where p[i + k] & 0xC0 != 0x80 {
                throw fail(
                    "invalid UTF-8: byte 0x\(String(p[i + k], radix: 16, uppercase: true)) is not a continuation byte", at: i + k,
                    kind: .invalidUTF8)
            }
        }
        i += need + 1
    }

    // MARK: duplicate keys

    mutating func findDuplicates(_ object: Int) {
        var keys: [Int] = []
        keys.reserveCapacity(Int(nodes[object].count))
        var cursor = object + 1
        for _ in 0..<nodes[object].count {
            keys.append(cursor)
            cursor = Int(nodes[cursor + 1].next)
        }
        if keys.count <= 16 {
            for b in 1..<keys.count {
                for a in 0..<b where sameKey(keys[a], keys[b]) {
                    duplicates.append((object, keys[a], keys[b]))
                    break
                }
            }
        } else {
            // Keyed by code units: a String key would compare by canonical equivalence.
            var seen: [[UInt8]: Int] = [:]
            for key in keys {
                let text = Array(keyText(key).utf8)
                if let first = seen[text] { duplicates.append((object, first, key)) } else { seen[text] = key }
            }
        }
    }

    func keyText(_ k: Int) -> String {
        let node = nodes[k]
        let start = Int(node.start) + 1, end = Int(node.end) - 1
        if node.escaped { return StringUnescaper.unescape(p, start, end) }
        return String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
    }

    func sameKey(_ a: Int, _ b: Int) -> Bool {
        let x = nodes[a], y = nodes[b]
        // Code units, as RFC 8259 §8.3 compares names; String's == is canonical equivalence.
        if x.escaped || y.escaped { return keyText(a).utf8.elementsEqual(keyText(b).utf8) }
        guard x.end - x.start == y.end - y.start else { return false }
        var i = Int(x.start), j = Int(y.start)
        while i < Int(x.end) {
            if p[i] != p[j] { return false }
            i += 1
            j += 1
        }
        return true
    }
}

extension String {
    fileprivate var trimmingQuotes: String { count > 2 && hasPrefix("'") && hasSuffix("'") ? String(dropFirst().dropLast()) : self }
}
