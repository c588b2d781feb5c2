import JSONRPC
import OpenFrameForwarding
import OpenFrameServer

#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// `openframe-rpc [serve]`: the JSON-RPC server on stdin/stdout.
enum ServeCommand {
    static let specs = [
        OptionSpec(name: "stdio", value: nil, help: "accepted and ignored (editor clients pass it); stdio is the only transport"),
        OptionSpec(
            name: "framing", value: "auto|lsp|ndjson",
            help: "message framing; auto (default) decides from the first byte: '{' or '[' means NDJSON"),
        OptionSpec(
            name: "max-message-bytes", value: "N",
            help: "largest message accepted, in bytes (default 16777216); larger ones are skipped and answered -32600"),
        OptionSpec(name: "log-level", value: "LEVEL", help: "stderr logging: off, error, warning, info (default), debug, trace"),
        OptionSpec(
            name: "instance", value: "NAME|URL",
            help: "the ServiceNow instance (dev12345 or https://…); default $OPENFRAME_INSTANCE, else the embedded sandbox"),
        OptionSpec(name: "allow-insecure-http", value: nil, help: "allow plain http to hosts other than loopback"),
        OptionSpec(
            name: "ca-file", value: "FILE",
            help: "PEM CA bundle trusted for https to the instance instead of the system store (default $OPENFRAME_CA_FILE)"),
        OptionSpec(name: "wire-format", value: "json|xml", help: "body format towards the instance (default json)"),
        OptionSpec(name: "request-timeout", value: "SECONDS", help: "HTTP request timeout (default 30)"),
        OptionSpec(
            name: "max-concurrent-forwards", value: "N",
            help: "creates/updates in flight at once; the rest queue in arrival order (default 16)"),
        OptionSpec(
            name: "max-attempts", value: "N", help: "attempts per forward when a retry is safe (refused connection, 429, 503; default 3)"),
        OptionSpec(
            name: "sandbox", value: "FILE", help: "keep the embedded sandbox's records in this JSON Lines file (default: in memory)"),
        OptionSpec(
            name: "outbox", value: "FILE",
            help: "durable delivery: keep requests sent with \"delivery\": \"durable\" in this JSON Lines file until delivered"),
        OptionSpec(
            name: "outbox-max-age", value: "SECONDS", help: "park an outbox item that could not be sent for this long (default 86400)"),
        OptionSpec(
            name: "outbox-retry-cap", value: "SECONDS", help: "longest wait between two delivery attempts of an outbox item (default 30)"),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]

    static let overview = """
        openframe-rpc \(OpenFrameRPC.version): a JSON-RPC 2.0 service over stdio for ServiceNow openframe voice interactions.

        Usage:
          openframe-rpc [serve] [options]      run the server on stdin/stdout (see protocol.md)
          openframe-rpc validate [options] PATH... | -
                                               validate payload files (see 'openframe-rpc validate --help')
          openframe-rpc schema [--operation create|update] [--write DIR]
                                               print (or write) the payloads' JSON Schemas
          openframe-rpc outbox FILE [retry ID | discard ID]
                                               list a durable-delivery outbox, or re-queue/drop an item
          openframe-rpc --version | --help

        Server options:
        \(OptionParser.describe(specs))
        """

    static func run(_ arguments: ArraySlice<String>) -> Int32 {
        let options: ParsedOptions
        do {
            options = try OptionParser.parse(arguments, specs: specs, command: "serve")
        } catch {
            return Terminal.usageError(error.message)
        }
        if options.has("help") {
            Terminal.out(overview + "\n")
            return 0
        }
        if let extra = options.positionals.first {
            return Terminal.usageError("unexpected argument '\(extra)'; 'serve' takes only options (see 'openframe-rpc --help')")
        }
        var mode = FramingMode.auto
        if let text = options.value("framing") {
            switch text {
            case "auto": mode = .auto
            case "lsp": mode = .lsp
            case "ndjson": mode = .ndjson
            default: return Terminal.usageError("--framing must be auto, lsp or ndjson; got '\(text)'")
            }
        }
        var maxMessageBytes = 16 << 20
        if let text = options.value("max-message-bytes") {
            guard let value = Int(text), value > 0 else {
                return Terminal.usageError("--max-message-bytes must be a positive number of bytes; got '\(text)'")
            }
            maxMessageBytes = value
        }
        if let text = options.value("log-level") {
            guard let level = LogLevel(name: text) else {
                return Terminal.usageError("--log-level must be off, error, warning, info, debug or trace; got '\(text)'")
            }
            Log.shared.level = level
        }

        var settings = TargetSettings()
        settings.instance = options.value("instance")
        settings.allowInsecureHTTP = options.has("allow-insecure-http")
        settings.sandboxFile = options.value("sandbox")
        settings.caFile = options.value("ca-file")
        settings.outboxFile = options.value("outbox")
        for (name, apply) in [
            ("outbox-max-age", { (value: Double) in settings.outboxMaxAge = value }),
            ("outbox-retry-cap", { (value: Double) in settings.outboxRetryCap = value }),
        ] as [(String, (Double) -> Void)] {
            guard let text = options.value(name) else { continue }
            guard let value = Double(text), value > 0, value.isFinite else {
                return Terminal.usageError("--\(name) must be a positive number of seconds; got '\(text)'")
            }
            apply(value)
        }
        if let text = options.value("wire-format") {
            guard let format = WireFormat(rawValue: text) else {
                return Terminal.usageError("--wire-format must be json or xml; got '\(text)'")
            }
            settings.wireFormat = format
        }
        if let text = options.value("request-timeout") {
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                return Terminal.usageError("--request-timeout must be a positive number of seconds; got '\(text)'")
            }
            settings.requestTimeout = seconds
        }
        for (name, apply) in [
            ("max-concurrent-forwards", { (value: Int) in settings.maxConcurrentForwards = value }),
            ("max-attempts", { (value: Int) in settings.maxAttempts = value }),
        ] as [(String, (Int) -> Void)] {
            guard let text = options.value(name) else { continue }
            guard let value = Int(text), value >= 1 else {
                return Terminal.usageError("--\(name) must be a whole number of at least 1; got '\(text)'")
            }
            apply(value)
        }
        let service: OpenFrameService
        do {
            service = try OpenFrameService(settings: settings)
        } catch {
            Terminal.err("openframe-rpc: \(ForwardingErrorMapping.responseError(error).message)\n")
            return 2
        }

        guard let connection = Connection.stdio(mode: mode, maxMessageBytes: maxMessageBytes) else {
            Log.shared.error("stdout is closed; nothing to answer on")
            return 0
        }
        service.install(on: connection.server)
        // With the framing fixed, notifications about items an earlier server left queued can go out at once.
        if mode != .auto { service.startOutbox() }
        Log.shared.info(
            "\(OpenFrameRPC.name) \(OpenFrameRPC.version) serving JSON-RPC on stdio; target: \(service.target.kind.rawValue), \(service.target.displayName)\(service.outboxPath.map { "; outbox: \($0)" } ?? "")"
        )
        // Ends the process (exit, the host gone, or end of input); see `Connection`.
        return connection.run()
    }
}
