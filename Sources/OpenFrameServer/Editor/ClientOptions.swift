import JSON

/// What `initialize` settled with the client: how positions are counted and what completion items may hold.
struct ClientOptions: Sendable, Equatable {
    /// UTF-8 when the client offers it in `capabilities.general.positionEncodings` (LSP 3.17), else
    /// UTF-16, LSP's default and the only encoding every client understands.
    var positionEncoding: PositionEncoding = .utf16
    /// `capabilities.textDocument.completion.completionItem.snippetSupport`.
    var snippetSupport = false

    init() {}

    init(initializeParams params: JSONNode?) {
        let capabilities = params?["capabilities"]
        if let offered = capabilities?["general"]?["positionEncodings"],
            offered.elements.contains(where: { $0.stringEquals(PositionEncoding.utf8.rawValue) })
        {
            positionEncoding = .utf8
        }
        snippetSupport = capabilities?["textDocument"]?["completion"]?["completionItem"]?["snippetSupport"]?.boolValue ?? false
    }
}
