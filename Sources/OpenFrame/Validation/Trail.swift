import JSON

/// Where the validator is in the payload, as a pointer not yet built: key spans and array
/// indices packed in a few words. Copying it costs no allocation and no reference counting,
/// which matters because the walk extends it at every member; the `JSONPointer` (strings,
/// arrays) is built only when a diagnostic needs one.
struct Trail {
    /// The schema is three levels deep and a diagnostic adds at most one more.
    static let capacity = 6

    private var steps: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    private(set) var depth = 0

    private static let indexFlag: UInt64 = 1 << 63

    /// The member whose key literal is at `span`.
    func key(_ span: SourceSpan) -> Trail { appending(UInt64(span.start) << 32 | UInt64(span.end)) }

    func index(_ index: Int) -> Trail { appending(Self.indexFlag | UInt64(index)) }

    private func appending(_ step: UInt64) -> Trail {
        precondition(depth < Self.capacity, "Trail.capacity is below the schema's depth")
        var copy = self
        withUnsafeMutableBytes(of: &copy.steps) { $0.storeBytes(of: step, toByteOffset: depth * 8, as: UInt64.self) }
        copy.depth += 1
        return copy
    }

    /// The pointer, reading key names from the text the spans refer to.
    func pointer(in bytes: UnsafeBufferPointer<UInt8>) -> JSONPointer {
        var tokens: [String] = []
        tokens.reserveCapacity(depth)
        withUnsafeBytes(of: steps) { raw in
            for i in 0..<depth {
                let step = raw.load(fromByteOffset: i * 8, as: UInt64.self)
                if step & Self.indexFlag != 0 {
                    tokens.append(String(step & ~Self.indexFlag))
                } else {
                    tokens.append(Self.keyName(bytes, Int(step >> 32), Int(step & 0xFFFF_FFFF)))
                }
            }
        }
        return JSONPointer(tokens)
    }

    /// The value of the string literal at start..<end (quotes included).
    private static func keyName(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let literal = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if !literal.contains(UInt8(ascii: "\\")) {
            return String(decoding: UnsafeBufferPointer(rebasing: literal.dropFirst().dropLast()), as: UTF8.self)
        }
        return (try? JSONParser.parse(Array(literal)))?.root.stringValue ?? ""
    }
}
