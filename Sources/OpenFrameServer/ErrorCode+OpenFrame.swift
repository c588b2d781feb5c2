import JSONRPC

/// openframe-rpc's own error codes: a block of its own, outside JSON-RPC's reserved -32768…-32000
/// (where LSP put -32002 and -32001) and LSP's -32899…-32800, because this binary is also a
/// language server and a host must never mistake one of ours for one of theirs.
///
/// The block is -33001…-33099: -33001…-33009 forwarding to the instance, -33010…-33029 reserved
/// for durable delivery (the outbox), the rest free. protocol.md's Error codes table documents each.
extension ErrorCode {
    /// The instance answered, but not with success (an HTTP error, a 202, a non-SUCCESS result).
    public static let instanceError = ErrorCode(rawValue: -33001)
    /// The instance gave no usable answer (unresolved, unreachable, TLS, timeout, dropped connection).
    public static let instanceUnreachable = ErrorCode(rawValue: -33002)
    /// Durable delivery: the outbox could not store the request (a full disk, a failed fsync), so it was not accepted.
    public static let outboxUnavailable = ErrorCode(rawValue: -33010)
    /// Durable delivery: the item was parked (also in `openframe/deliveryFailed`): a person must check the instance.
    public static let deliveryParked = ErrorCode(rawValue: -33011)

    /// Every openframe-rpc code lies here.
    public static let openFrameRange: ClosedRange<Int> = -33099 ... -33001
    /// Held for durable delivery's codes, so they can be added without moving any other.
    public static let outboxRange: ClosedRange<Int> = -33029 ... -33010

    /// Every code the server sends (JSON-RPC's, LSP's, openframe-rpc's), by the names protocol.md's
    /// table and the clients' error maps use (Python spells them in UPPER_SNAKE_CASE).
    public static let sentByServer: [(name: String, code: ErrorCode)] =
        sentByJSONRPC + [
            ("InstanceError", .instanceError),
            ("InstanceUnreachable", .instanceUnreachable),
            ("OutboxUnavailable", .outboxUnavailable),
            ("DeliveryParked", .deliveryParked),
        ]
}
