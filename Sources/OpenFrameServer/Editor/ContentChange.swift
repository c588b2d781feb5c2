import JSON

/// One entry of `textDocument/didChange`'s `contentChanges`.
enum ContentChange: Sendable, Equatable {
    /// The whole new text (a change without a range).
    case full(text: [UInt8])
    /// Replace `start..<end` (positions in the session's encoding) with `text`.
    case range(start: TextPosition, end: TextPosition, text: [UInt8])

    var isFull: Bool {
        if case .full = self { return true }
        return false
    }
}

extension LineIndex {
    /// The text after `changes`, applied in order as LSP prescribes (each range refers to the text
    /// the previous change left). Positions past a line's end or the text's end are clamped.
    func applying(_ changes: some Sequence<ContentChange>, encoding: PositionEncoding) -> LineIndex {
        var lines = self
        for change in changes {
            switch change {
            case .full(let text):
                lines = LineIndex(text)
            case .range(let start, let end, let text):
                let from = lines.offset(of: start, encoding: encoding)
                let to = max(from, lines.offset(of: end, encoding: encoding))
                var bytes = lines.bytes
                bytes.replaceSubrange(from..<to, with: text)
                lines = LineIndex(bytes)
            }
        }
        return lines
    }
}
