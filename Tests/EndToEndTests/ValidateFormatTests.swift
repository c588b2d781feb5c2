import Foundation
import JSON
import Testing

/// `openframe-rpc validate` for CI and for people: directories, the four formats, --ignore,
/// --warnings-as-errors, colour and excerpts, unreadable inputs and exit statuses.
struct ValidateFormatTests {
    let root = ServerProcess.repositoryRoot
    static let create = "examples/voice-interaction.create.json"
    static let update = "examples/voice-interaction.update.json"
    static let warning =
        #"interaction.userPhoneNumber "+1303506536" has the E.164 shape but cannot be a real number: the North American Numbering Plan (+1) uses 10-digit national numbers; this one has 9."#
    static let valid = #"{"interaction": {"userPhoneNumber": "+14089965744"}}"#
    static let wrongType = #"{"interaction": {"userPhoneNumber": 5}}"#

    /// A fresh directory holding `files` (relative paths, folders made as needed).
    func tree(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-\(UUID().uuidString)")
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)).root.value }

    // MARK: inputs

    @Test func directoriesAreSearchedSortedSkippingHiddenAndNodeModules() async throws {
        let directory = try tree([
            "b.json": Self.valid, "a/z.json": Self.wrongType, "a/b/y.update.json": #"{"interaction": {"clientSessionId": "x"}}"#,
            "a/c.json.bak": "not json", ".hidden/x.json": Self.wrongType, "node_modules/w.json": Self.wrongType, "notes.txt": "not json",
        ])
        let result = try await CommandRun.run(["validate", "--format", "json", "."], currentDirectory: directory)
        #expect(result.status == 1)
        let files = try json(result.stdout).arrayValue ?? []
        #expect(files.map { $0["file"] } == ["a/b/y.update.json", "a/z.json", "b.json"])
        #expect(files.map { $0["valid"] } == [true, false, true])
        #expect(result.stderr == "3 files checked: 1 with errors\n")

        // Named explicitly, any file is read; a file reached twice is read once.
        let explicit = try await CommandRun.run(["validate", "notes.txt", ".", "b.json"], currentDirectory: directory)
        #expect(explicit.stdout.hasPrefix("notes.txt:1:1: error: The text is not valid JSON"))
        #expect(explicit.stderr == "4 files checked: 2 with errors\n")
    }

    @Test func standardInputIsReadOnce() async throws {
        let result = try await CommandResult.run(["validate", "--format", "json", "-", "-"], input: Array(Self.valid.utf8))
        #expect(result.status == 0)
        #expect(try json(result.stdout) == [["file": "<stdin>", "valid": true, "diagnostics": []]])
    }

    @Test func aDirectoryWithoutJSONIsAnError() async throws {
        let directory = try tree(["notes.txt": "x", "node_modules/w.json": Self.valid])
        let result = try await CommandRun.run(["validate", directory.path, Self.update], currentDirectory: root)
        #expect(result.status == 2)
        #expect(
            result.stdout == "\(directory.path): error: no *.json file in this directory (hidden entries and node_modules are skipped)\n")
        #expect(result.stderr == "2 files checked: 1 unreadable\n")
    }

    @Test(arguments: ["text", "json", "sarif", "github"])
    func unreadableInputsAreResultsInEveryFormat(_ format: String) async throws {
        let result = try await CommandRun.run(["validate", "--format", format, Self.update, "missing.json"], currentDirectory: root)
        #expect(result.status == 2)
        #expect(result.stderr == "2 files checked: 1 unreadable\n")
        switch format {
        case "text":
            #expect(result.stdout == "missing.json: error: cannot read: no such file or directory\n")
        case "json":
            let value = try json(result.stdout)
            #expect(value[0]?["valid"] == true)
            #expect(
                value[1] == ["file": "missing.json", "valid": false, "error": "cannot read: no such file or directory", "diagnostics": []])
        case "sarif":
            let invocation = try json(result.stdout)["runs"]?[0]?["invocations"]?[0]
            #expect(invocation?["executionSuccessful"] == false)
            #expect(invocation?["exitCode"] == 2)
            #expect(
                invocation?["toolExecutionNotifications"] == [
                    [
                        "level": "error", "message": ["text": "missing.json: cannot read: no such file or directory."],
                        "locations": [["physicalLocation": ["artifactLocation": ["uri": "missing.json", "uriBaseId": "%SRCROOT%"]]]],
                        "descriptor": ["id": "unreadable-input"],
                    ]
                ])
        default:
            #expect(result.stdout == "::error file=missing.json,title=unreadable::missing.json: cannot read: no such file or directory\n")
        }
    }

    // MARK: exit status, --ignore, --warnings-as-errors

    static let exitCases: [([String], Int32)] = [
        ([create], 0),
        ([create, "--warnings-as-errors"], 1),
        ([create, "--warnings-as-errors", "--ignore", "impossible-phone-number"], 0),
        (["-", create], 1),
        (["-", "--ignore", "wrong-type"], 0),
        (["-", "--ignore", "unknown-member,invalid-sys-id"], 1),
        (["-", "missing.json"], 2),
        (["-", "--ignore", "wrong-type", "missing.json"], 2),
    ]

    @Test(arguments: exitCases)
    func exitStatus(_ arguments: [String], _ status: Int32) async throws {
        let result = try await CommandResult.run(["validate"] + arguments, input: Array(Self.wrongType.utf8), currentDirectory: root)
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
    }

    @Test func ignoredCodesVanishFromEveryFormat() async throws {
        for format in ["text", "github"] {
            let result = try await CommandResult.run(
                ["validate", "--format", format, "--ignore", "impossible-phone-number", "examples"], currentDirectory: root)
            #expect(result.status == 0)
            #expect(result.stdout.isEmpty, "\(format): \(result.stdout)")
        }
        let input = #"{"interaction": {"userPhoneNumber": 5, "inboundid": "x"}}"#
        let partly = try await CommandResult.run(
            ["validate", "--format", "json", "--ignore", "unknown-member", "-"], input: Array(input.utf8))
        #expect(partly.status == 1)
        #expect(try json(partly.stdout)[0]?["diagnostics"]?.arrayValue?.map { $0["code"] } == ["wrong-type"])
        let all = try await CommandResult.run(
            ["validate", "--ignore", "unknown-member", "--ignore", "wrong-type", "-"], input: Array(input.utf8))
        #expect(all.status == 0)
        #expect(all.stdout.isEmpty)
    }

    @Test func warningsAsErrorsAreErrorsInEveryFormat() async throws {
        let arguments = ["validate", "--warnings-as-errors", Self.create]
        let text = try await CommandResult.run(arguments, currentDirectory: root)
        #expect(text.status == 1)
        #expect(text.stdout == "\(Self.create):3:24: error: \(Self.warning) [impossible-phone-number]\n")
        #expect(text.stderr == "1 file checked: 1 with errors\n")
        let github = try await CommandResult.run(arguments + ["--format", "github"], currentDirectory: root)
        #expect(github.stdout.hasPrefix("::error file=\(Self.create),line=3,"))
        let value = try json(try await CommandResult.run(arguments + ["--format", "json"], currentDirectory: root).stdout)
        #expect(value[0]?["valid"] == false)
        #expect(value[0]?["diagnostics"]?[0]?["severity"] == "error")
        let sarif = try json(try await CommandResult.run(arguments + ["--format", "sarif"], currentDirectory: root).stdout)
        #expect(sarif["runs"]?[0]?["results"]?[0]?["level"] == "error")
    }

    // MARK: formats

    @Test func githubWorkflowCommands() async throws {
        let result = try await CommandResult.run(["validate", "--format", "github", "examples"], currentDirectory: root)
        #expect(result.status == 0)
        #expect(
            result.stdout
                == "::warning file=\(Self.create),line=3,col=24,endLine=3,endColumn=36,title=impossible-phone-number::\(Self.warning)\n")

        let directory = try tree([
            "a,b:c%.json": #"{"interaction": {"userPhoneNumber": "+14089965744", "50%": 1}}"#,
            "list.json": "[\n  1\n]",
            "call.update.json": #"{"interaction": {"clientSessionId": "x"}}"#,
        ])
        let odd = try await CommandResult.run(
            ["validate", "--format", "github", "--sys-id", "nope", "a,b:c%.json", "list.json", "call.update.json"],
            currentDirectory: directory)
        let lines = odd.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        // Properties escape % , : ; the message escapes %.
        #expect(
            lines[0].hasPrefix(
                #"::warning file=a%2Cb%3Ac%25.json,line=1,col=53,endLine=1,endColumn=57,title=unknown-member::Unknown member "50%25" in interaction"#
            ), "\(lines[0])")
        // A range over several lines: no columns, as GitHub requires.
        #expect(lines[1].hasPrefix("::error file=list.json,line=1,endLine=3,title=wrong-type::"), "\(lines[1])")
        // No place in the file: the annotation is on the file.
        #expect(lines[2].hasPrefix("::error file=call.update.json,title=invalid-sys-id::interactionSysId \"nope\""), "\(lines[2])")
    }

    @Test func sarifLog() async throws {
        let result = try await CommandResult.run(["validate", "--format", "sarif", "examples"], currentDirectory: root)
        #expect(result.status == 0)
        let log = try json(result.stdout)
        #expect(log["version"] == "2.1.0")
        let run = log["runs"]?[0]
        #expect(run?["columnKind"] == "utf16CodeUnits")
        #expect(run?["tool"]?["driver"]?["name"] == "openframe-rpc")
        #expect(run?["tool"]?["driver"]?["version"]?.stringValue?.hasPrefix("0.") == true)
        let rules = run?["tool"]?["driver"]?["rules"]?.arrayValue ?? []
        let ids = rules.compactMap { $0["id"]?.stringValue }
        #expect(ids.contains("json-syntax") && ids.contains("duplicate-related-record") && Set(ids).count == ids.count)
        #expect(!ids.contains("missing-sys-id"))
        let result0 = run?["results"]?[0]
        #expect(result0?["ruleId"] == "impossible-phone-number")
        #expect(result0?["level"] == "warning")
        #expect(result0?["message"]?["text"] == .string(Self.warning))
        let index = result0?["ruleIndex"]?.intValue ?? -1
        #expect(rules.indices.contains(index) && rules[index]["id"] == "impossible-phone-number")
        #expect(rules[index]["help"]?["markdown"]?.stringValue?.contains("`+1303506536`") == true)
        #expect(rules[index]["defaultConfiguration"]?["level"] == "warning")
        #expect(
            result0?["locations"]?[0]?["physicalLocation"] == [
                "artifactLocation": ["uri": .string(Self.create), "uriBaseId": "%SRCROOT%"],
                "region": ["startLine": 3, "startColumn": 24, "endLine": 3, "endColumn": 37],
            ])
        #expect(run?["invocations"] == [["executionSuccessful": true, "exitCode": 0]])

        // Outside the current directory: an absolute file URI.
        let directory = try tree(["my file.json": Self.wrongType])
        let outside = try json(
            try await CommandResult.run(["validate", "--format", "sarif", directory.path], currentDirectory: root).stdout)
        let location = outside["runs"]?[0]?["results"]?[0]?["locations"]?[0]?["physicalLocation"]?["artifactLocation"]
        #expect(location == ["uri": .string("file://" + directory.standardizedFileURL.path + "/my%20file.json")])
    }

    /// The escapes work on bytes or scalars, never on characters: "\r\n" is one Character in
    /// Swift but two escapes for GitHub, and "é" is two bytes, each %XX in a URI.
    @Test func escapesTakeLineBreakPairsAndMultiByteNamesApart() async throws {
        let directory = try tree(["a\r\nb.json": Self.wrongType, "é x.json": Self.wrongType])
        let github = try await CommandRun.run(["validate", "--format", "github", "a\r\nb.json"], currentDirectory: directory)
        #expect(github.stdout.hasPrefix("::error file=a%0D%0Ab.json,line=1,"), "\(github.stdout)")
        let sarif = try json(try await CommandRun.run(["validate", "--format", "sarif", "é x.json"], currentDirectory: directory).stdout)
        let location = sarif["runs"]?[0]?["results"]?[0]?["locations"]?[0]?["physicalLocation"]?["artifactLocation"]
        #expect(location == ["uri": "%C3%A9%20x.json", "uriBaseId": "%SRCROOT%"])
        // --ignore takes spaces and tabs around the codes.
        let ignored = try await CommandRun.run(
            ["validate", "--ignore", " unknown-member ,\twrong-type\t", "é x.json"], currentDirectory: directory)
        #expect(ignored.status == 0, "\(ignored.stdout)\(ignored.stderr)")
    }

    @Test func jsonCarriesOneBasedByteColumnsBesideTheUTF16Range() async throws {
        let input = #"{"interaction": {"inboundId": "é", "userPhoneNumber": 5}}"#
        let result = try await CommandResult.run(["validate", "--format", "json", "-"], input: Array(input.utf8))
        let diagnostic = try json(result.stdout)[0]?["diagnostics"]?[0]
        #expect(diagnostic?["range"] == ["start": ["line": 0, "character": 54], "end": ["line": 0, "character": 55]])
        #expect(diagnostic?["line"] == 1)
        #expect(diagnostic?["column"] == 56)
        #expect(diagnostic?["endLine"] == 1)
        #expect(diagnostic?["endColumn"] == 57)
    }

    // MARK: colour and excerpts

    static let excerpt = " 3 |     \"userPhoneNumber\": \"+1303506536\",\n   |                        ^~~~~~~~~~~~~\n"
    static let plainWithExcerpt = "\(create):3:24: warning: \(warning) [impossible-phone-number]\n" + excerpt

    @Test func colourAlwaysColoursEvenWhenPipedAndOverridesNO_COLOR() async throws {
        for environment in [[:], ["NO_COLOR": "1"]] {
            let result = try await CommandRun.run(
                ["validate", "--color", "always", Self.create], environment: environment, currentDirectory: root)
            #expect(result.status == 0)
            #expect(result.stdout.contains("\u{1B}[1;33mwarning:\u{1B}[0m"))
            #expect(result.stdout.contains("\u{1B}[1;34m 3 |\u{1B}[0m     \"userPhoneNumber\": \"+1303506536\",\n"))
            #expect(result.stdout.contains("\u{1B}[1;33m                       ^~~~~~~~~~~~~\u{1B}[0m\n"))
            let stripped = result.stdout.replacingOccurrences(of: #"\x1B\[[0-9;]*m"#, with: "", options: .regularExpression)
            #expect(stripped == Self.plainWithExcerpt)
        }
    }

    @Test func onATerminalColourAndExcerptsUnlessNO_COLOR() async throws {
        let coloured = try await CommandRun.run(
            ["validate", Self.create], environment: ["TERM": "xterm"], terminal: true, currentDirectory: root)
        #expect(coloured.status == 0)
        #expect(coloured.stdout.contains("\u{1B}[1;33mwarning:"))
        #expect(coloured.stdout.contains("^~~~~~~~~~~~~"))
        // NO_COLOR (any non-empty value) and --color never keep the excerpt, without colour.
        for (arguments, environment) in [
            ([], ["NO_COLOR": "1", "TERM": "xterm"]), (["--color", "never"], ["TERM": "xterm"]), ([], ["TERM": "dumb"]),
        ] {
            let plain = try await CommandRun.run(
                ["validate"] + arguments + [Self.create], environment: environment, terminal: true, currentDirectory: root)
            #expect(plain.stdout == Self.plainWithExcerpt, "\(arguments) \(environment)")
        }
        let emptyNoColor = try await CommandRun.run(
            ["validate", Self.create], environment: ["NO_COLOR": "", "TERM": "xterm"], terminal: true, currentDirectory: root)
        #expect(emptyNoColor.stdout.contains("\u{1B}["))
    }

    @Test func pipedOutputIsPlainOneLinePerDiagnostic() async throws {
        let result = try await CommandRun.run(["validate", Self.create], environment: ["TERM": "xterm"], currentDirectory: root)
        #expect(result.stdout == "\(Self.create):3:24: warning: \(Self.warning) [impossible-phone-number]\n")
    }

    @Test func excerptsKeepTabsAndWindowLongLines() async throws {
        let tabs = try tree(["tabs.json": "{\"interaction\":\t{\"userPhoneNumber\":\t\"+1303506536\"}}"])
        let tabbed = try await CommandRun.run(["validate", "--color", "never", "tabs.json"], terminal: true, currentDirectory: tabs)
        let lines = tabbed.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[1] == " 1 | {\"interaction\":\t{\"userPhoneNumber\":\t\"+1303506536\"}}")
        #expect(lines[2] == "   | " + String(repeating: " ", count: 15) + "\t" + String(repeating: " ", count: 19) + "\t^~~~~~~~~~~~~")

        let padding = String(repeating: "x", count: 300)
        let long = try tree([
            "long.json":
                #"{"interaction": {"clientSessionId": "\#(padding)", "userPhoneNumber": "+1303506536", "inboundId": "\#(padding)"}}"#
        ])
        let windowed = try await CommandRun.run(["validate", "--color", "never", "long.json"], terminal: true, currentDirectory: long)
        let shown = windowed.stdout.split(separator: "\n").map(String.init)
        #expect(shown.count == 3)
        #expect(shown[1].hasPrefix(" 1 | …") && shown[1].hasSuffix("…"))
        #expect(shown[1].count <= 130)
        let caret = shown[2].firstIndex(of: "^").map { shown[2].distance(from: shown[2].startIndex, to: $0) }
        let value = shown[1].range(of: "\"+1303506536\"").map { shown[1].distance(from: shown[1].startIndex, to: $0.lowerBound) }
        #expect(caret != nil && caret == value)
    }
}
