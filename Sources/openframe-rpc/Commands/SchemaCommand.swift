import JSON
import OpenFrame
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

/// `openframe-rpc schema`: the JSON Schemas of the payloads, as `openframe/schema` returns them.
/// `--write DIR` (re)writes the checked-in `DIR/create.schema.json` and `DIR/update.schema.json`.
enum SchemaCommand {
    static let specs = [
        OptionSpec(
            name: "operation", value: "create|update",
            help: "print only this payload's schema (default: both, as {\"create\": …, \"update\": …})"),
        OptionSpec(name: "write", value: "DIR", help: "write DIR/create.schema.json and DIR/update.schema.json instead of printing"),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]

    static let usage = """
        Usage: openframe-rpc schema [--operation create|update] [--write DIR]

        Prints the JSON Schemas (draft 2020-12) of the create and update payloads, generated from the
        same payload schema the validator uses. The repository keeps them in schema/; after changing the
        payload rules, regenerate them with: \(JSONSchemaGenerator.regenerateCommand)

        Options:
        \(OptionParser.describe(specs))
        """

    static func run(_ arguments: ArraySlice<String>) -> Int32 {
        let options: ParsedOptions
        do {
            options = try OptionParser.parse(arguments, specs: specs, command: "schema")
        } catch {
            return Terminal.usageError(error.message)
        }
        if options.has("help") {
            Terminal.out(usage + "\n")
            return 0
        }
        if let extra = options.positionals.first {
            return Terminal.usageError("unexpected argument '\(extra)'; 'schema' takes only options (see 'openframe-rpc schema --help')")
        }
        var operations = OpenFrame.Operation.allCases
        if let text = options.value("operation") {
            guard let operation = OpenFrame.Operation(rawValue: text) else {
                return Terminal.usageError("--operation must be 'create' or 'update'; got '\(text)'")
            }
            operations = [operation]
        }
        guard let directory = options.value("write") else {
            let value: JSONValue =
                operations.count == 1
                ? JSONSchemaGenerator.schema(for: operations[0])
                : .object(JSONObject(operations.map { (key: $0.rawValue, value: JSONSchemaGenerator.schema(for: $0)) }))
            Terminal.out(String(decoding: JSONWriter.serialize(value, indent: 2), as: UTF8.self) + "\n")
            return 0
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for operation in operations {
                let name = JSONSchemaGenerator.fileName(for: operation)
                let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
                try Data(JSONSchemaGenerator.fileContents(for: operation)).write(to: URL(fileURLWithPath: path))
                Terminal.err("wrote \(path)\n")
            }
        } catch {
            Terminal.err("openframe-rpc: cannot write the schemas to '\(directory)': \(Terminal.describe(error))\n")
            return 2
        }
        return 0
    }
}
