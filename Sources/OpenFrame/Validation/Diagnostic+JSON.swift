import JSON

extension Diagnostic {
    /// The wire form: {"severity","code","message","path"} + "range" (LSP Range {start:{line,character},end:{…}}) when lineIndex is given,
    /// + "fix": {"title", "replaceValue": <json>} or {"title", "renameKey": "<name>"} when there is one. Key order exactly as listed.
    public func json(lineIndex: LineIndex?, encoding: PositionEncoding = .utf16) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("severity", .string(severity.rawValue)),
            ("code", .string(code.rawValue)),
            ("message", .string(message)),
            ("path", .string(path.description)),
        ]
        if let lineIndex, let span {
            members.append(("range", [
                "start": Self.json(lineIndex.position(of: span.start, encoding: encoding)),
                "end": Self.json(lineIndex.position(of: span.end, encoding: encoding)),
            ]))
        }
        if let fix {
            let edit: (key: String, value: JSONValue) = switch fix.edit {
            case .replaceValue(let value): ("replaceValue", value)
            case .renameKey(let name): ("renameKey", .string(name))
            }
            members.append(("fix", .object(JSONObject([("title", .string(fix.title)), edit]))))
        }
        return .object(JSONObject(members))
    }

    private static func json(_ position: TextPosition) -> JSONValue {
        ["line": .int(position.line), "character": .int(position.character)]
    }
}
