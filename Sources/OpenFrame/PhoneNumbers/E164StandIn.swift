// TEMPORARY: a stand-in for the `E164` API that branch `e164` is writing, so the validation
// core compiles and its tests run before that branch lands. Deleted by the merge of `e164`.
// It knows only the shape of E.164 and the +1 plan; the real one knows every plan.

public enum E164 {
    public static func check(_ text: String) -> E164Check {
        let digits = text.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }
        guard text.utf8.first == UInt8(ascii: "+"),
              text.utf8.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            let formatting = text.utf8.allSatisfy { " ()-.+".utf8.contains($0) || ($0 >= 0x30 && $0 <= 0x39) }
            let shaped = text.utf8.first == UInt8(ascii: "+") && formatting && (8...15).contains(digits.count) && digits.first != 0x30
            return .invalid(
                reason: "an E.164 number is + and digits only",
                suggestion: shaped ? "+" + String(decoding: digits, as: UTF8.self) : nil)
        }
        guard (8...15).contains(digits.count), digits.first != 0x30 else {
            return .invalid(reason: "an E.164 number has 8 to 15 digits after +", suggestion: nil)
        }
        if digits.first == UInt8(ascii: "1") {
            return digits.count == 11
                ? .valid(countryCode: "1", country: "NANP")
                : .impossible(countryCode: "1", reason: "numbers under +1 have 10 digits after the country code")
        }
        return .valid(countryCode: String(decoding: digits.prefix(2), as: UTF8.self), country: "")
    }
}

public enum E164Check: Equatable, Sendable {
    case valid(countryCode: String, country: String)
    case impossible(countryCode: String?, reason: String)
    case invalid(reason: String, suggestion: String?)
}
