/// The framing the decoder accepts; `.auto` lets the first non-whitespace byte decide,
/// so one binary serves both LSP clients and line-oriented scripts.
public enum FramingMode: Sendable, Equatable {
    case auto
    case lsp
    case ndjson
}
