import JSON

extension Diagnostic {
    /// The wire form, written straight into bytes: {"severity","code","message","path"} + "range" (LSP Range
    /// {start:{line,character},end:{…}}) when lineIndex is given, + "fix": {"title", "replaceValue": <json>} or
    /// {"title", "renameKey": "<name>"} when there is one. Key order exactly as listed. This is the one
    /// definition of the wire form: `json(lineIndex:encoding:)` is read back from these bytes.
    public func write(into out: inout [UInt8], lineIndex: LineIndex?, encoding: PositionEncoding = .utf16) {
        out.append(contentsOf: #"{"severity":""#.utf8)
        out.append(contentsOf: severity.rawValue.utf8)  // plain ASCII words
        out.append(contentsOf: #"","code":""#.utf8)
        out.append(contentsOf: code.rawValue.utf8)  // kebab-case ASCII
        out.append(contentsOf: #"","message":"#.utf8)
        JSONWriter.writeString(message, into: &out)
        out.append(contentsOf: #","path":"#.utf8)
        path.writeJSONString(into: &out)
        if let lineIndex, let span {
            out.append(contentsOf: #","range":{"start":"#.utf8)
            Self.write(lineIndex.position(of: span.start, encoding: encoding), into: &out)
            out.append(contentsOf: #","end":"#.utf8)
            Self.write(lineIndex.position(of: span.end, encoding: encoding), into: &out)
            out.append(UInt8(ascii: "}"))
        }
        if let fix {
            out.append(contentsOf: #","fix":{"title":"#.utf8)
            JSONWriter.writeString(fix.title, into: &out)
            switch fix.edit {
            case .replaceValue(let value):
                out.append(contentsOf: #","replaceValue":"#.utf8)
                JSONWriter.write(value, into: &out)
            case .renameKey(let name):
                out.append(contentsOf: #","renameKey":"#.utf8)
                JSONWriter.writeString(name, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The wire form as a value (for messages built as JSONValue trees), read back from `write(into:…)`.
    public func json(lineIndex: LineIndex?, encoding: PositionEncoding = .utf16) -> JSONValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(into: &bytes, lineIndex: lineIndex, encoding: encoding)
        // The bytes were just written by the JSON writer: they always parse.
        return try! JSONParser.parse(bytes).root.value
    }

    /// `[d1,d2,…]`: a report's diagnostics as a JSON array.
    public static func writeArray(
        _ diagnostics: [Diagnostic], into out: inout [UInt8], lineIndex: LineIndex?, encoding: PositionEncoding = .utf16
    ) {
        out.append(UInt8(ascii: "["))
        for (index, diagnostic) in diagnostics.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            diagnostic.write(into: &out, lineIndex: lineIndex, encoding: encoding)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func write(_ position: TextPosition, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"line":"#.utf8)
        JSONWriter.writeInteger(position.line, into: &out)
        out.append(contentsOf: #","character":"#.utf8)
        JSONWriter.writeInteger(position.character, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}
