/// A JSON-RPC error code. Every code the server sends is a named constant of this one type:
/// JSON-RPC 2.0's and LSP's here, the domain's own in an extension of the layer that sends them
/// (OpenFrameServer's `ErrorCode+OpenFrame.swift`), so protocol.md's table and the clients' error
/// maps have one thing to agree with, and a test checks that they do.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    // MARK: JSON-RPC 2.0

    public static let parseError = ErrorCode(rawValue: -32700)
    public static let invalidRequest = ErrorCode(rawValue: -32600)
    public static let methodNotFound = ErrorCode(rawValue: -32601)
    public static let invalidParams = ErrorCode(rawValue: -32602)
    public static let internalError = ErrorCode(rawValue: -32603)

    /// Reserved by JSON-RPC 2.0 for its pre-defined errors, including -32099…-32000 ("implementation-defined
    /// server errors"), where LSP put -32002 ServerNotInitialized and -32001 UnknownErrorCode: no code of ours goes here.
    public static let jsonRPCReservedRange: ClosedRange<Int> = -32768 ... -32000

    // MARK: LSP

    /// The client cancelled the request (`$/cancelRequest`), or `exit` came while it was in flight.
    public static let requestCancelled = ErrorCode(rawValue: -32800)

    /// Reserved by LSP for its own codes (-32800 RequestCancelled … -32803 RequestFailed, more to come).
    public static let lspReservedRange: ClosedRange<Int> = -32899 ... -32800

    /// The codes this layer sends, by the names protocol.md and the clients give them.
    public static let sentByJSONRPC: [(name: String, code: ErrorCode)] = [
        ("ParseError", .parseError),
        ("InvalidRequest", .invalidRequest),
        ("MethodNotFound", .methodNotFound),
        ("InvalidParams", .invalidParams),
        ("InternalError", .internalError),
        ("RequestCancelled", .requestCancelled),
    ]
}
