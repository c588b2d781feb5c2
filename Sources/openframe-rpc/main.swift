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

/// Entry point: picks the command; each command returns its exit status.
let arguments = CommandLine.arguments.dropFirst()
let status: Int32
switch arguments.first {
case "validate":
    status = ValidateCommand.run(arguments.dropFirst())
case "serve":
    status = ServeCommand.run(arguments.dropFirst())
case "schema":
    status = SchemaCommand.run(arguments.dropFirst())
case "outbox":
    status = OutboxCommand.run(arguments.dropFirst())
case "--version", "version":
    Terminal.out("\(OpenFrameRPC.name) \(OpenFrameRPC.version)\n")
    status = 0
case "--help", "-h", "help":
    Terminal.out(ServeCommand.overview + "\n")
    status = 0
case let first? where !first.hasPrefix("-"):
    status = Terminal.usageError(
        "unknown command '\(first)'; expected 'serve', 'validate', 'schema' or 'outbox' (see 'openframe-rpc --help')")
default:
    status = ServeCommand.run(arguments)
}
exit(status)
