/// The one place the version lives: `--version`, `initialize`'s serverInfo and the HTTP User-Agent all read it.
public enum OpenFrameRPC {
    public static let name = "openframe-rpc"
    public static let version = "0.1.0"
}
