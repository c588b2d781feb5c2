/// A JSON number kept as its literal text: ids are echoed exactly as sent (`1.0` stays `1.0`),
/// and large integers lose nothing on the way through.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// A valid RFC 8259 number literal.
    public let text: String

    public init(_ value: Int) { text = String(value) }

    /// Non-finite doubles have no JSON form; they are written as `0`, never as invalid JSON.
    public init(_ value: Double) {
        if !value.isFinite {
            text = "0"
        } else if abs(value) < 1e15, let integer = Int(exactly: value) {
            text = String(integer)
        } else {
            text = "\(value)"
        }
    }

    /// For text already checked by the parser.
    init(validatedText: String) { text = validatedText }

    /// Nil when `text` is not an RFC 8259 number.
    public init?(literal: String) {
        guard (try? JSONParser.parse(Array(literal.utf8)))?.root.kind == .number else { return nil }
        text = literal
    }

    public var intValue: Int? {
        if let exact = Int(text) { return exact }
        return Double(text).flatMap { Int(exactly: $0) }
    }

    public var doubleValue: Double? { Double(text) }
    public var description: String { text }
}
