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
import JSON
import OpenFrame

/// `openframe-rpc validate`: the validation core for files, in CI and on the command line.
/// Output (diagnostics) goes to stdout as compilers print it; the summary and errors go to stderr.
enum ValidateCommand {
    static let specs = [
        OptionSpec(name: "operation", value: "create|update", help: "validate as a create or an update payload (default: by file name, *.update.json is an update)"),
        OptionSpec(name: "sys-id", value: "ID", help: "also check the interaction sys_id an update goes to (32 hexadecimal characters)"),
        OptionSpec(name: "format", value: "text|json", help: "text: FILE:LINE:COL: severity: message [code] (default); json: an array of {file, valid, diagnostics}"),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]

    static let usage = """
        Usage: openframe-rpc validate [--operation create|update] [--sys-id ID] [--format text|json] FILE... | -

        Validates openframe voice-interaction payload files (or standard input, '-') with the same rules
        as the openframe/validate method. Exit status: 0 all valid, 1 any file has an error, 2 usage or I/O error.

        Options:
        \(OptionParser.describe(specs))
        """

    enum Format: String { case text, json }

    static func run(_ arguments: ArraySlice<String>) -> Int32 {
        let options: ParsedOptions
        do {
            options = try OptionParser.parse(arguments, specs: specs, command: "validate")
        } catch {
            return Terminal.usageError(error.message)
        }
        if options.has("help") {
            Terminal.out(usage + "\n")
            return 0
        }
        var fixedOperation: OpenFrame.Operation?
        if let text = options.value("operation") {
            guard let parsed = OpenFrame.Operation(rawValue: text) else {
                return Terminal.usageError("--operation must be 'create' or 'update'; got '\(text)'")
            }
            fixedOperation = parsed
        }
        let format: Format
        if let text = options.value("format") {
            guard let parsed = Format(rawValue: text) else {
                return Terminal.usageError("--format must be 'text' or 'json'; got '\(text)'")
            }
            format = parsed
        } else {
            format = .text
        }
        guard !options.positionals.isEmpty else {
            return Terminal.usageError("no file to validate; give one or more FILEs, or '-' for standard input")
        }

        var results: [JSONValue] = []
        var anyError = false, ioError = false, invalidCount = 0
        for path in options.positionals {
            let name = path == "-" ? "<stdin>" : path
            guard let bytes = read(path) else {
                ioError = true
                continue
            }
            let operation = fixedOperation ?? OpenFrame.Operation(documentName: name)
            // A payload file carries no sys_id: it is checked only when --sys-id gives one.
            let report = Validator.validate(text: bytes, operation: operation, interactionSysId: options.value("sys-id"), requireSysId: false)
            let lines = LineIndex(bytes)
            if !report.isValid {
                anyError = true
                invalidCount += 1
            }
            switch format {
            case .text:
                var out = ""
                for diagnostic in report.diagnostics {
                    var location = name
                    if let span = diagnostic.span {
                        let position = lines.lineColumn(of: span.start)
                        location += ":\(position.line):\(position.column)"
                    }
                    out += "\(location): \(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
                }
                Terminal.out(out)
            case .json:
                results.append([
                    "file": .string(name),
                    "valid": .bool(report.isValid),
                    "diagnostics": .array(report.diagnostics.map { $0.json(lineIndex: lines) }),
                ])
            }
        }
        if format == .json {
            Terminal.out(String(decoding: JSONWriter.serialize(.array(results), indent: 2), as: UTF8.self) + "\n")
        }
        let checked = options.positionals.count
        Terminal.err("\(checked) file\(checked == 1 ? "" : "s") checked: \(invalidCount == 0 && !ioError ? "all valid" : "\(invalidCount) with errors")\n")
        return ioError ? 2 : anyError ? 1 : 0
    }

    static func read(_ path: String) -> [UInt8]? {
        if path == "-" { return readStandardInput() }
        var isDirectory = false
        #if canImport(FoundationEssentials)
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        #else
        var objcIsDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &objcIsDirectory)
        isDirectory = objcIsDirectory.boolValue
        #endif
        guard exists else {
            Terminal.err("openframe-rpc: cannot read '\(path)': no such file\n")
            return nil
        }
        guard !isDirectory, let data = FileManager.default.contents(atPath: path) else {
            Terminal.err("openframe-rpc: cannot read '\(path)': \(isDirectory ? "it is a directory" : "permission denied or unreadable")\n")
            return nil
        }
        return Array(data)
    }

    /// All of standard input (`-`), read with read(2) until end of file.
    static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(0, $0.baseAddress, $0.count) }
            if count > 0 { bytes += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            return bytes
        }
    }
}

/// The C library's read(2): a top-level name, since `ValidateCommand.read` hides it inside the type.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
