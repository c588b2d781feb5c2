import JSON

/// The identifiers the sandbox hands out and checks: sys_ids, IMS numbers, API versions.
enum SandboxIdentifiers {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// 32 lowercase hex digits from the system's random source, as ServiceNow sys_ids look.
    static func randomSysID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<2 {
            let word: UInt64 = generator.next()
            for shift in stride(from: 60, through: 0, by: -4) {
                bytes.append(hexDigits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Exactly 32 lowercase hex digits.
    static func isSysID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { hexDigits.contains($0) }
    }

    /// "IMS" and the sequence number, zero-padded to seven digits (more when it outgrows them).
    static func number(_ sequence: Int) -> String {
        "IMS" + zeroPadded(sequence, width: 7)
    }

    /// A non-negative integer in decimal, with leading zeros up to `width` digits.
    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The sequence number of "IMS" + digits; nil for anything else.
    static func sequence(ofNumber number: String) -> Int? {
        guard number.hasPrefix("IMS") else { return nil }
        let digits = number.dropFirst(3)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(digits)
    }

    /// nil (the latest version) or "v" followed by one or more digits, as in the versioned URL.
    static func checkAPIVersion(_ apiVersion: String?) throws(ForwardingError) {
        guard let apiVersion else { return }
        let utf8 = apiVersion.utf8
        if utf8.count > 1, utf8.first == UInt8(ascii: "v"), utf8.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return
        }
        throw .configuration("apiVersion must be 'v' followed by digits, e.g. v1; got \(JSONValue.string(apiVersion).jsonString)")
    }
}
