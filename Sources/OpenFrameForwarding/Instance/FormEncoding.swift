/// `application/x-www-form-urlencoded` bodies for the OAuth token request.
enum FormEncoding {
    /// `name=value&…`, every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`)
    /// percent-encoded from UTF-8, space included (`%20`), so `&`, `=`, `+` and `%` in a
    /// secret survive intact.
    static func encode(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            percentEncode(field.0, into: &out)
            out.append(UInt8(ascii: "="))
            percentEncode(field.1, into: &out)
        }
        return out
    }

    static func percentEncode(_ text: String, into out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
