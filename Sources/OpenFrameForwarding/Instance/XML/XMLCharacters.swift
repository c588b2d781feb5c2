/// XML 1.0 (fifth edition) character classes, on Unicode scalars.
enum XMLCharacters {
    /// `Char`: what a document may hold at all.
    static func isChar(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    static func isNameStart(_ v: UInt32) -> Bool {
        switch v {
        case 0x41...0x5A, 0x61...0x7A, 0x5F, 0x3A: return true  // A-Z a-z _ :
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
            0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            return true
        default: return false
        }
    }

    static func isName(_ v: UInt32) -> Bool {
        switch v {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: return true  // - . 0-9
        default: return isNameStart(v)
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// The first byte offset that is not well-formed UTF-8 or not an XML `Char`, with the reason;
    /// nil when every scalar is fine. One pass: after it the reader may decode without checks.
    static func firstInvalid(_ bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, kind: XMLReadError.Kind, what: String)? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead < 0x20 && lead != 0x09 && lead != 0x0A && lead != 0x0D {
                    return (index, .forbiddenCharacter, "control character U+\(hex(UInt32(lead))) is not allowed in XML")
                }
                index += 1
                continue
            }
            guard let (scalar, length) = decode(bytes, at: index) else {
                return (index, .invalidUTF8, "bytes that are not valid UTF-8 (only UTF-8 is read)")
            }
            if !isChar(scalar) {
                return (index, .forbiddenCharacter, "character U+\(hex(scalar)) is not allowed in XML")
            }
            index += length
        }
        return nil
    }

    /// A strict UTF-8 decode (no overlongs, surrogates or values over U+10FFFF).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        var value: UInt32
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0: length = 3; value = 0; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xED: length = 3; value = 0x0D; high = 0x9F
        case 0xF0: length = 4; value = 0; low = 0x90
        case 0xF1...0xF3: length = 4; value = UInt32(lead & 0x07)
        case 0xF4: length = 4; value = 4; high = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let (min, max) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min && byte <= max else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
