import FuzzSupport
import JSON

// libFuzzer options for fuzz/run (paths relative to fuzz/); fuzz/replay uses none of them.
// fuzz-options: -dict=json.dict -max_len=4096

// Fuzz target: the JSON parser (Sources/JSON), the first thing every untrusted frame meets.
//
// The whole input is one JSON text (corpus files are plain documents). Properties:
//  * never a crash or a hang, for any bytes;
//  * everything accepted is valid UTF-8, writes back and re-parses to an equal value, both via
//    `JSONWriter.serialize(root.value)` (also indented) and via `JSONWriter.write(root, into:)`;
//    both writers reach a byte-exact fixed point after one round; the compact write is exactly the
//    input with the whitespace between tokens removed;
//  * depth limits hold: an accepted text of nesting depth D parses with `maxDepth: D` to the same
//    value and fails with `.tooDeep` under `maxDepth: D - 1`; nothing deeper than the limit is ever
//    accepted (the default, and a small limit derived from the input);
//  * spans: every node's span lies within the input, starts and ends with the bytes of its kind,
//    children nest inside their parent in order, and only whitespace and the expected separators
//    lie between them; a scalar's span parsed alone gives the same value;
//  * duplicate keys are reported exactly: each repeat of an earlier key (compared as decoded UTF-8
//    code units, RFC 8259 §8.3) against its first occurrence, and nothing else;
//  * `LineIndex` maps every span boundary to a position and back; `JSONPointer` paths of nodes
//    resolve to the same nodes and survive their own text form;
//  * rejections: the error offset lies within the input and fits the error kind.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    // A small depth limit chosen by the input itself (the corpus files stay plain JSON).
    let smallDepth = Int(fnv1a(input) % 6)
    do {
        let document = try JSONParser.parse(input)
        checkAccepted(document, input: input, smallDepth: smallDepth)
    } catch {
        checkRejected(error, input: input, smallDepth: smallDepth)
    }
    return 0
}

// MARK: - Accepted texts

func checkAccepted(_ document: JSONDocument, input: [UInt8], smallDepth: Int) {
    fuzzCheck(document.bytes == input, "the document does not keep the input bytes")
    fuzzCheck(isValidUTF8(input), "accepted invalid UTF-8: \(escaped(input))")
    let root = document.root
    let value = root.value

    // Spans, kinds, counts and depth, by a walk over the whole tree.
    var walker = TreeWalker(input: input)
    walker.checkRootSurroundings(root)
    let depth = walker.walk(root, level: 0, path: [])
    fuzzCheck(depth <= JSONParser.defaultMaxDepth, "accepted nesting depth \(depth) over the default limit \(JSONParser.defaultMaxDepth)")

    // Round trip through the value writer, compact and indented.
    let serialized = JSONWriter.serialize(value)
    let reparsed = parseOrFail(serialized, "JSONWriter.serialize output", original: input)
    fuzzCheck(reparsed.root.value == value, "serialize round trip changed the value\ninput: \(escaped(input))\nwritten: \(escaped(serialized))")
    let serializedAgain = JSONWriter.serialize(reparsed.root.value)
    fuzzCheck(serializedAgain == serialized, "serialize is not a fixed point\nfirst: \(escaped(serialized))\nsecond: \(escaped(serializedAgain))")
    let indented = JSONWriter.serialize(value, indent: 2)
    let reparsedIndented = parseOrFail(indented, "JSONWriter.serialize(indent: 2) output", original: input)
    fuzzCheck(reparsedIndented.root.value == value, "indented round trip changed the value\ninput: \(escaped(input))")

    // Round trip through the node writer, which copies literals as they stand.
    var compact: [UInt8] = []
    JSONWriter.write(root, into: &compact)
    let expectedCompact = stripInsignificantWhitespace(Array(input[root.span.start..<root.span.end]))
    fuzzCheck(compact == expectedCompact, "write(root) is not the input without whitespace\ninput: \(escaped(input))\nwritten: \(escaped(compact))")
    let reparsedCompact = parseOrFail(compact, "JSONWriter.write(node) output", original: input)
    fuzzCheck(reparsedCompact.root.value == value, "write(node) round trip changed the value\ninput: \(escaped(input))\nwritten: \(escaped(compact))")
    var compactAgain: [UInt8] = []
    JSONWriter.write(reparsedCompact.root, into: &compactAgain)
    fuzzCheck(compactAgain == compact, "write(node) is not a fixed point")

    // Depth limits: exactly D is enough, D - 1 is too little, and the small limit agrees.
    let atDepth = parseOrFail(input, "the input with maxDepth = its depth \(depth)", options: .init(maxDepth: depth), original: input)
    fuzzCheck(atDepth.root.value == value, "maxDepth = depth changed the value")
    if depth > 0 { expectTooDeep(input, maxDepth: depth - 1) }
    if depth > smallDepth {
        expectTooDeep(input, maxDepth: smallDepth)
    } else {
        _ = parseOrFail(input, "the input (depth \(depth)) with maxDepth \(smallDepth)", options: .init(maxDepth: smallDepth), original: input)
    }

    // Without duplicate detection: same value, nothing reported.
    let noDuplicates = parseOrFail(input, "the input without duplicate detection", options: .init(detectDuplicateKeys: false), original: input)
    fuzzCheck(noDuplicates.duplicateKeys.isEmpty, "duplicates reported with detectDuplicateKeys: false")
    fuzzCheck(noDuplicates.root.value == value, "detectDuplicateKeys changed the value")

    checkDuplicates(document, expected: walker.expectedDuplicates)
    checkLineIndex(input, offsets: walker.boundaries)
    if document.duplicateKeys.isEmpty { checkPointers(root, paths: walker.paths) }
}

func parseOrFail(_ bytes: [UInt8], _ what: String, options: JSONParser.Options = .init(), original: [UInt8]) -> JSONDocument {
    do {
        return try JSONParser.parse(bytes, options: options)
    } catch {
        fuzzFailure("\(what) does not parse: \(error)\ntext: \(escaped(bytes))\noriginal input: \(escaped(original))")
    }
}

func expectTooDeep(_ input: [UInt8], maxDepth: Int) {
    do {
        _ = try JSONParser.parse(input, options: .init(maxDepth: maxDepth))
        fuzzFailure("accepted a text deeper than maxDepth \(maxDepth): \(escaped(input))")
    } catch {
        fuzzCheck(error.kind == .tooDeep, "a text valid but deeper than maxDepth \(maxDepth) failed with \(error.kind), not .tooDeep: \(error)")
        fuzzCheck(error.offset < input.count && (input[error.offset] == UInt8(ascii: "[") || input[error.offset] == UInt8(ascii: "{")),
                  ".tooDeep at offset \(error.offset), which is not an opening bracket")
    }
}

/// Walks the tree through the public API, checking spans against the input.
struct TreeWalker {
    let input: [UInt8]
    /// Span boundaries of the first nodes, for the LineIndex check.
    var boundaries: [Int] = []
    /// JSON Pointer token paths of the first nodes with their spans, for the pointer check.
    var paths: [(tokens: [String], span: SourceSpan)] = []
    /// (first key start, repeated key start) pairs computed independently of the parser.
    var expectedDuplicates: Set<Pair> = []
    var visited = 0

    struct Pair: Hashable {
        var first: Int
        var duplicate: Int
    }

    static let sampledNodes = 128

    init(input: [UInt8]) { self.input = input }

    func checkRootSurroundings(_ root: JSONNode) {
        let span = root.span
        var i = 0
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { i = 3 }
        while i < span.start {
            fuzzCheck(isJSONWhitespace(input[i]), "non-whitespace byte \(input[i]) before the root value at \(i)")
            i += 1
        }
        for k in span.end..<input.count {
            fuzzCheck(isJSONWhitespace(input[k]), "non-whitespace byte \(input[k]) after the root value at \(k)")
        }
    }

    /// Returns the nesting depth of `node` (0 for scalars).
    /// `path` is nil for object keys, which no pointer names.
    mutating func walk(_ node: JSONNode, level: Int, path: [String]?) -> Int {
        let span = node.span
        fuzzCheck(0 <= span.start && span.start < span.end && span.end <= input.count,
                  "span \(span) outside the input of \(input.count) bytes")
        fuzzCheck(node.rawBytes.elementsEqual(input[span.start..<span.end]), "rawBytes differ from the input at the span")
        visited += 1
        if visited <= Self.sampledNodes {
            boundaries.append(span.start)
            boundaries.append(span.end)
            if let path { paths.append((path, span)) }
        }
        let first = input[span.start], last = input[span.end - 1]
        switch node.kind {
        case .object:
            fuzzCheck(first == UInt8(ascii: "{") && last == UInt8(ascii: "}"), "object span \(span) is not {…}")
            var cursor = span.start + 1
            var count = 0
            var depth = 1
            var seen: [[UInt8]: Int] = [:]
            for member in node.members {
                let key = member.keyNode
                fuzzCheck(key.kind == .string, "an object key of kind \(key.kind)")
                checkGap(from: cursor, to: key.span.start, separator: count == 0 ? nil : UInt8(ascii: ","), in: span)
                _ = walk(key, level: level + 1, path: nil)
                checkGap(from: key.span.end, to: member.value.span.start, separator: UInt8(ascii: ":"), in: span)
                let keyText = member.key
                let keyBytes = Array(keyText.utf8)
                if let firstStart = seen[keyBytes] {
                    expectedDuplicates.insert(Pair(first: firstStart, duplicate: key.span.start))
                } else {
                    seen[keyBytes] = key.span.start
                }
                depth = max(depth, 1 + walk(member.value, level: level + 1, path: path.map { $0 + [keyText] }))
                cursor = member.value.span.end
                count += 1
            }
            checkGap(from: cursor, to: span.end - 1, separator: nil, in: span)
            fuzzCheck(count == node.count, "object count \(node.count) but \(count) members")
            return depth
        case .array:
            fuzzCheck(first == UInt8(ascii: "[") && last == UInt8(ascii: "]"), "array span \(span) is not […]")
            var cursor = span.start + 1
            var count = 0
            var depth = 1
            for element in node.elements {
                checkGap(from: cursor, to: element.span.start, separator: count == 0 ? nil : UInt8(ascii: ","), in: span)
                depth = max(depth, 1 + walk(element, level: level + 1, path: path.map { $0 + [String(count)] }))
                cursor = element.span.end
                count += 1
            }
            checkGap(from: cursor, to: span.end - 1, separator: nil, in: span)
            fuzzCheck(count == node.count, "array count \(node.count) but \(count) elements")
            return depth
        case .string:
            fuzzCheck(span.end - span.start >= 2 && first == UInt8(ascii: "\"") && last == UInt8(ascii: "\""), "string span \(span) is not \"…\"")
            guard let text = node.stringValue else { fuzzFailure("a string node without stringValue") }
            fuzzCheck(node.stringEquals(text), "stringEquals(stringValue) is false for \(escaped(node.rawBytes))")
            var written: [UInt8] = []
            JSONWriter.writeString(text, into: &written)
            let again = parseOrFail(written, "writeString output", original: input)
            fuzzCheck(again.root.stringValue.map { Array($0.utf8) } == Array(text.utf8), "writeString round trip changed the string")
            checkScalarAlone(node)
            return 0
        case .number:
            fuzzCheck(first == UInt8(ascii: "-") || isDigit(first), "number span \(span) starts with \(first)")
            fuzzCheck(isDigit(last), "number span \(span) ends with \(last)")
            guard let number = node.numberValue else { fuzzFailure("a number node without numberValue") }
            fuzzCheck(JSONNumber(literal: number.text) != nil, "JSONNumber(literal:) rejects parsed number \(number.text)")
            _ = number.intValue
            _ = number.doubleValue
            checkScalarAlone(node)
            return 0
        case .bool:
            let text = Array(node.rawBytes)
            fuzzCheck(text == Array("true".utf8) || text == Array("false".utf8), "bool literal \(escaped(text))")
            fuzzCheck(node.boolValue == (text.count == 4), "boolValue disagrees with \(escaped(text))")
            return 0
        case .null:
            fuzzCheck(Array(node.rawBytes) == Array("null".utf8), "null literal \(escaped(node.rawBytes))")
            fuzzCheck(node.isNull, "isNull false for null")
            return 0
        }
    }

    /// Between two siblings (or a bracket and a child) only whitespace and one expected separator.
    func checkGap(from start: Int, to end: Int, separator: UInt8?, in parent: SourceSpan) {
        fuzzCheck(parent.start < start && start <= end && end < parent.end,
                  "child spans out of order or outside their parent \(parent): gap \(start)..<\(end)")
        var sawSeparator = false
        for i in start..<end {
            if isJSONWhitespace(input[i]) { continue }
            fuzzCheck(!sawSeparator && input[i] == separator, "unexpected byte \(input[i]) at \(i) between nodes (separator \(separator.map { String($0) } ?? "none"))")
            sawSeparator = true
        }
        fuzzCheck(sawSeparator == (separator != nil), "missing separator between nodes at \(start)..<\(end)")
    }

    func checkScalarAlone(_ node: JSONNode) {
        let alone = parseOrFail(Array(node.rawBytes), "a scalar's span on its own", original: input)
        fuzzCheck(alone.root.kind == node.kind && alone.root.value == node.value, "a scalar's span parsed alone differs")
    }
}

func checkDuplicates(_ document: JSONDocument, expected: Set<TreeWalker.Pair>) {
    var reported: Set<TreeWalker.Pair> = []
    for duplicate in document.duplicateKeys {
        let object = duplicate.object.span
        let first = duplicate.first.span, repeated = duplicate.duplicate.span
        fuzzCheck(duplicate.object.kind == .object, "a duplicate reported in a \(duplicate.object.kind)")
        fuzzCheck(object.start < first.start && first.end <= repeated.start && repeated.end < object.end,
                  "duplicate key spans \(first), \(repeated) not in order inside the object \(object)")
        fuzzCheck(duplicate.object.members.contains { $0.keyNode.span == first } && duplicate.object.members.contains { $0.keyNode.span == repeated },
                  "a reported duplicate is not a key of its object")
        let inserted = reported.insert(TreeWalker.Pair(first: first.start, duplicate: repeated.start)).inserted
        fuzzCheck(inserted, "a duplicate key reported twice")
    }
    if reported != expected {
        let text = document.bytes
        func describe(_ pairs: Set<TreeWalker.Pair>) -> String {
            pairs.sorted { ($0.first, $0.duplicate) < ($1.first, $1.duplicate) }
                .map { "\($0.first)→\($0.duplicate)" }.joined(separator: " ")
        }
        fuzzFailure("duplicate keys reported \(describe(reported)), expected \(describe(expected)) (keys compared as UTF-8 code units)\ninput: \(escaped(text))")
    }
}

func checkLineIndex(_ input: [UInt8], offsets: [Int]) {
    let index = LineIndex(input)
    for offset in offsets {
        for encoding in [PositionEncoding.utf8, .utf16] {
            let position = index.position(of: offset, encoding: encoding)
            let back = index.offset(of: position, encoding: encoding)
            fuzzCheck(back == offset, "LineIndex \(encoding): offset \(offset) → \(position) → \(back)\ninput: \(escaped(input))")
        }
        let utf8 = index.position(of: offset, encoding: .utf8)
        let human = index.lineColumn(of: offset)
        fuzzCheck(human.line == utf8.line + 1 && human.column == utf8.character + 1, "lineColumn disagrees with the UTF-8 position at \(offset)")
    }
}

func checkPointers(_ root: JSONNode, paths: [(tokens: [String], span: SourceSpan)]) {
    for (tokens, span) in paths {
        let pointer = JSONPointer(tokens)
        guard let resolved = root.resolve(pointer) else {
            fuzzFailure("pointer \(pointer) of a node at \(span) does not resolve")
        }
        fuzzCheck(resolved.span == span, "pointer \(pointer) resolves to \(resolved.span), not \(span)")
        let reparsed = JSONPointer(parsing: pointer.description)
        fuzzCheck(reparsed == pointer, "pointer \(pointer.tokens) does not survive its text form \(pointer.description)")
    }
}

// MARK: - Rejected texts

func checkRejected(_ error: JSONParseError, input: [UInt8], smallDepth: Int) {
    fuzzCheck(error.offset >= 0 && error.offset <= input.count, "error offset \(error.offset) outside the input of \(input.count) bytes")
    var start = 0
    if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { start = 3 }
    let blank = input[start...].allSatisfy(isJSONWhitespace)
    fuzzCheck((error.kind == .empty) == blank, "error kind \(error.kind) for a text that is \(blank ? "" : "not ")blank")
    switch error.kind {
    case .invalidUTF8:
        // At the bad lead byte, or at the byte that cannot continue the sequence it starts.
        fuzzCheck(error.offset < input.count && input[max(0, error.offset - 3)...error.offset].contains { $0 >= 0x80 },
                  "invalidUTF8 at offset \(error.offset), not at or just after a non-ASCII byte")
        fuzzCheck(!isValidUTF8(input), "invalidUTF8 for valid UTF-8: \(escaped(input))")
    case .tooDeep:
        fuzzCheck(error.offset < input.count && (input[error.offset] == UInt8(ascii: "[") || input[error.offset] == UInt8(ascii: "{")),
                  ".tooDeep at offset \(error.offset), which opens nothing")
        // The explicit stack takes any depth: a limit above the input size must not crash, and
        // if the text is valid it is deeper than the default limit.
        if let deep = try? JSONParser.parse(input, options: .init(maxDepth: input.count + 1)) {
            fuzzCheck(deep.root.kind == .array || deep.root.kind == .object, "a deep text with a scalar root")
        }
    case .syntax, .empty:
        break
    }
    // A tighter depth limit never turns a rejection into an acceptance.
    if (try? JSONParser.parse(input, options: .init(maxDepth: smallDepth))) != nil {
        fuzzFailure("rejected with the default limit (\(error)) but accepted with maxDepth \(smallDepth)")
    }
}

// MARK: - Helpers

func isJSONWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// Drops whitespace outside string literals from a valid JSON text.
func stripInsignificantWhitespace(_ text: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(text.count)
    var inString = false
    var escapeNext = false
    for byte in text {
        if inString {
            out.append(byte)
            if escapeNext {
                escapeNext = false
            } else if byte == UInt8(ascii: "\\") {
                escapeNext = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else if !isJSONWhitespace(byte) {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { inString = true }
        }
    }
    return out
}
