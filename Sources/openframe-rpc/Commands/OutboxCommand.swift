import JSON
import OpenFrameForwarding

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

/// `openframe-rpc outbox FILE [retry ID | discard ID]`: an operator's view of a durable-delivery outbox,
/// and the two decisions only a person can make about a parked item. Takes the file's lock, so it refuses
/// to run while a server uses the file (the server owns the items then).
enum OutboxCommand {
    static let specs = [
        OptionSpec(name: "state", value: "STATE", help: "list only items in this state: queued, delivered, parked, failed"),
        OptionSpec(name: "format", value: "text|json", help: "text (default) or one JSON document with every item and its payload"),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]

    static let usage = """
        Usage: openframe-rpc outbox FILE [--state STATE] [--format text|json]
               openframe-rpc outbox FILE retry ID      re-queue a parked item (a person checked the instance)
               openframe-rpc outbox FILE discard ID    drop an item

        Lists the items of a durable-delivery outbox (see protocol.md, "Durable delivery"). Refuses to run
        while a server holds the file; stop it first. A retried item is sent again by the next server that
        opens the file: for a create, only retry after checking that the instance has no record for it.

        Options:
        \(OptionParser.describe(specs))
        """

    static func run(_ arguments: ArraySlice<String>) -> Int32 {
        let options: ParsedOptions
        do {
            options = try OptionParser.parse(arguments, specs: specs, command: "outbox")
        } catch {
            return Terminal.usageError(error.message)
        }
        if options.has("help") {
            Terminal.out(usage + "\n")
            return 0
        }
        let positionals = options.positionals
        guard let path = positionals.first else {
            return Terminal.usageError("'outbox' needs the outbox FILE (see 'openframe-rpc outbox --help')")
        }
        var state: OutboxItem.State?
        if let text = options.value("state") {
            guard let value = OutboxItem.State(rawValue: text) else {
                return Terminal.usageError("--state must be queued, delivered, parked or failed; got '\(text)'")
            }
            state = value
        }
        let json: Bool
        switch options.value("format") ?? "text" {
        case "text": json = false
        case "json": json = true
        case let other: return Terminal.usageError("--format must be text or json; got '\(other)'")
        }
        var action: (verb: String, id: String)?
        switch positionals.count {
        case 1: break
        case 3 where positionals[1] == "retry" || positionals[1] == "discard": action = (positionals[1], positionals[2])
        default:
            return Terminal.usageError(
                "expected 'outbox FILE', 'outbox FILE retry ID' or 'outbox FILE discard ID'; got '\(positionals.joined(separator: " "))'")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            Terminal.err("openframe-rpc: outbox file \(path) does not exist\n")
            return 1
        }
        let store: OutboxStore
        do {
            store = try OutboxStore(file: URL(fileURLWithPath: path))
        } catch {
            Terminal.err("openframe-rpc: \(error.description)\n")
            return 1
        }
        for warning in store.warnings { Terminal.err("openframe-rpc: warning: \(warning)\n") }
        guard let action else {
            list(store, state: state, json: json)
            return 0
        }
        guard let item = store.item(action.id) else {
            Terminal.err("openframe-rpc: no item \(action.id) in \(path) (see 'openframe-rpc outbox \(path)')\n")
            return 1
        }
        do {
            if action.verb == "retry" {
                guard item.state == .parked else {
                    Terminal.err("openframe-rpc: \(item.id) is \(item.state.rawValue); only a parked item can be retried\n")
                    return 1
                }
                try store.record(.requeued, id: item.id)
                Terminal.err("\(item.id) re-queued: the next server that opens \(path) sends it again\n")
            } else {
                try store.record(.discarded, id: item.id)
                Terminal.err("\(item.id) (\(item.state.rawValue)) discarded\n")
            }
        } catch {
            Terminal.err("openframe-rpc: \(error.description)\n")
            return 1
        }
        return 0
    }

    private static func list(_ store: OutboxStore, state: OutboxItem.State?, json: Bool) {
        let items = store.list(state: state)
        if json {
            let document: JSONValue = ["file": .string(store.path), "items": .array(items.map { .object($0.json) })]
            Terminal.out(String(decoding: JSONWriter.serialize(document, indent: 2), as: UTF8.self) + "\n")
            return
        }
        if items.isEmpty {
            Terminal.out("no items\(state.map { " in state \($0.rawValue)" } ?? "") in \(store.path)\n")
            return
        }
        for item in items {
            var line =
                "\(item.id)  \(item.state.rawValue + String(repeating: " ", count: max(0, 9 - item.state.rawValue.count))) \(item.operation.rawValue)"
            if let sysId = item.sysId { line += "  sysId \(sysId)" }
            if let dependsOn = item.dependsOn { line += "  after \(dependsOn)" }
            if let session = item.clientSessionId { line += "  clientSessionId \(session)" }
            line += "  attempts \(item.attempts)  queued \(item.queuedAt)"
            if let reason = item.reason, item.state != .delivered { line += "\n    \(reason)" }
            Terminal.out(line + "\n")
        }
    }
}
