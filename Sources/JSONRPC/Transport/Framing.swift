/// How messages are delimited on the wire.
public enum Framing: Sendable, Equatable {
    /// `Content-Length: N` header block, blank line, then exactly N bytes (the LSP base protocol).
    case lsp
    /// One message per line (newline-delimited JSON).
    case ndjson
}
