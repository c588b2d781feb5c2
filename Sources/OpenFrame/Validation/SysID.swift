/// ServiceNow record identifiers: 32 hexadecimal characters (a GUID without dashes).
public enum SysID {
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid($0) }
    }

    static func isValid(_ utf8: some Collection<UInt8>) -> Bool {
        utf8.count == 32 && utf8.allSatisfy(isHexDigit)
    }

    @inline(__always) static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
    }
}
