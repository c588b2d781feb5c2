import JSON
import OpenFrame

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

/// `openframe-rpc validate`: the validation core for files, in CI and on the command line.
/// Results go to stdout in the chosen format; the summary and usage errors go to stderr.
enum ValidateCommand {
    static let specs = [
        OptionSpec(
            name: "operation", value: "create|update",
            help: "validate as a create or an update payload (default: by file name, *.update.json is an update)"),
        OptionSpec(
            name: "sys-id", value: "ID", help: "check this interaction sys_id for the update files (32 hexadecimal characters); optional"),
        OptionSpec(name: "format", value: "FORMAT", help: "text (default), json, sarif or github; see Formats below"),
        OptionSpec(
            name: "color", value: "WHEN",
            help: "colour text output: auto (default: on a terminal, unless NO_COLOR is set or TERM=dumb), always, never"),
        OptionSpec(
            name: "ignore", value: "CODE[,CODE]", help: "drop diagnostics with these codes from output and exit status (repeatable)"),
        OptionSpec(name: "warnings-as-errors", value: nil, help: "report warnings as errors (in every format) and fail on them"),
        OptionSpec(name: "help", value: nil, help: "show this help"),
    ]

    static let usage = """
        Usage: openframe-rpc validate [OPTION...] PATH... | -

        Validates openframe voice-interaction payload files with the same rules as the openframe/validate
        method. A PATH is a file, or a directory searched for *.json files at any depth (each directory's
        entries sorted by name; hidden entries, node_modules and links to directories are skipped); '-'
        reads standard input. The interaction sys_id is never required: --sys-id, when given, is checked.

        Options:
        \(OptionParser.describe(specs))

        Formats (results on stdout, the summary on stderr):
          text    FILE:LINE:COL: severity: message [code], LINE and COL 1-based, COL counting bytes as
                  compilers do. On a terminal (or with --color always) each is followed by its source line
                  with the range underlined; colour follows --color.
          json    [{"file", "valid", "diagnostics": [...]}, ...]; an unreadable input has "error" instead.
                  A diagnostic's "range" is LSP's (0-based line, UTF-16 character, end exclusive); its
                  "line"/"column" and "endLine"/"endColumn" are 1-based with byte columns (end exclusive).
          sarif   SARIF 2.1.0 for GitHub code scanning: a rule per code with its help, 1-based regions
                  in UTF-16 columns (columnKind utf16CodeUnits), paths relative to the current directory
                  (%SRCROOT%); unreadable inputs are toolExecutionNotifications.
          github  GitHub Actions workflow commands (::error file=F,line=L,col=C,endLine=L,endColumn=C,
                  title=CODE::message), columns in UTF-16 code units, endColumn inclusive.

        Every input is a result in every format, unreadable ones too (an error line, an "error" entry,
        a notification, an ::error).

        Exit status:
          0  every input was read and none has an error (warnings allowed, unless --warnings-as-errors)
          1  every input was read, and at least one has an error
          2  some input could not be read (missing, unreadable, or a directory with no *.json file),
             whatever the others hold; or a usage error (then nothing is validated)
        Ignored codes never count.

        Diagnostic codes (for --ignore):
        \(codeList)
        """

    static var codeList: String {
        let width = (DiagnosticCode.allCases.map(\.rawValue.count).max() ?? 0) + 2
        return DiagnosticCode.allCases.map { code in
            let label = code.rawValue + String(repeating: " ", count: width - code.rawValue.count)
            let severity = code.severity.rawValue + String(repeating: " ", count: 9 - code.severity.rawValue.count)
            return "  \(label)\(severity)\(code.summary)"
        }.joined(separator: "\n")
    }

    enum Format: String, CaseIterable { case text, json, sarif, github }

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
                return Terminal.usageError("--format must be 'text', 'json', 'sarif' or 'github'; got '\(text)'")
            }
            format = parsed
        } else {
            format = .text
        }
        var color = Terminal.ColorChoice.auto
        if let text = options.value("color") {
            guard let parsed = Terminal.ColorChoice(rawValue: text) else {
                return Terminal.usageError("--color must be 'auto', 'always' or 'never'; got '\(text)'")
            }
            color = parsed
        }
        var policy = DiagnosticPolicy(warningsAsErrors: options.has("warnings-as-errors"))
        for list in options.allValues("ignore") {
            for name in list.split(separator: ",", omittingEmptySubsequences: false).map(Self.trimmingBlanks) {
                guard let code = DiagnosticCode(rawValue: name) else {
                    let valid = DiagnosticCode.allCases.map(\.rawValue)
                    let closest = OptionParser.closest(to: name, among: valid).map { "; did you mean '\($0)'?" } ?? ""
                    return Terminal.usageError(
                        "--ignore: unknown diagnostic code '\(name)'\(closest) (the codes are listed in 'openframe-rpc validate --help')")
                }
                policy.ignored.insert(code)
            }
        }
        guard !options.positionals.isEmpty else {
            return Terminal.usageError("no file to validate; give one or more FILEs or directories, or '-' for standard input")
        }

        let files = FileDiscovery.inputs(for: options.positionals).map { input in
            check(
                input, operation: fixedOperation ?? OpenFrame.Operation(documentName: input.name), sysId: options.value("sys-id"),
                policy: policy)
        }
        let unreadable = files.filter(\.isUnreadable).count
        let invalid = files.filter { !$0.isValid && !$0.isUnreadable }.count
        let status: Int32 = unreadable > 0 ? 2 : invalid > 0 ? 1 : 0

        switch format {
        case .text:
            let colored = color.enabled(for: 1)
            Terminal.out(TextReport(color: colored, excerpts: colored || isatty(1) == 1).render(files))
        case .json:
            Terminal.out(JSONReport.render(files))
        case .sarif:
            Terminal.out(SARIFReport().render(files, exitCode: status))
        case .github:
            Terminal.out(GitHubReport.render(files))
        }
        Terminal.err(summary(files: files.count, invalid: invalid, unreadable: unreadable))
        return status
    }

    static func check(_ input: Input, operation: OpenFrame.Operation, sysId: String?, policy: DiagnosticPolicy) -> CheckedFile {
        switch FileRead.contents(of: input) {
        case .failure(let failure):
            return CheckedFile(name: input.name, outcome: .unreadable(reason: failure.reason))
        case .success(let bytes):
            let report = Validator.validate(text: bytes, operation: operation, interactionSysId: sysId)
            return CheckedFile(name: input.name, outcome: .checked(lines: LineIndex(bytes), diagnostics: policy.apply(report.diagnostics)))
        }
    }

    static func summary(files: Int, invalid: Int, unreadable: Int) -> String {
        var parts: [String] = []
        if invalid > 0 { parts.append("\(invalid) with errors") }
        if unreadable > 0 { parts.append("\(unreadable) unreadable") }
        return "\(files) file\(files == 1 ? "" : "s") checked: \(parts.isEmpty ? "all valid" : parts.joined(separator: ", "))\n"
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

    /// Without leading and trailing spaces and tabs (what `trimmingCharacters(in: .whitespaces)`
    /// did, in the standard library only).
    static func trimmingBlanks(_ text: Substring) -> String {
        let blank = { (character: Character) in character.isWhitespace && !character.isNewline }
        var rest = text.drop(while: blank)
        while let last = rest.last, blank(last) { rest = rest.dropLast() }
        return String(rest)
    }
}

/// The C library's read(2): a top-level name, since `ValidateCommand.read` hides it inside the type.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
