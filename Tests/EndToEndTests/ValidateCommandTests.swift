import Foundation
import JSON
import Testing

/// `openframe-rpc validate`, as CI jobs and people run it.
struct ValidateCommandTests {
    let root = ServerProcess.repositoryRoot

    func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openframe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func examplesAreValidAndWarningsPrintCompilerStyle() async throws {
        let result = try await CommandResult.run(
            ["validate", "examples/voice-interaction.create.json", "examples/voice-interaction.update.json"], currentDirectory: root)
        #expect(result.status == 0)
        #expect(
            result.stdout
                == "examples/voice-interaction.create.json:3:24: warning: interaction.userPhoneNumber \"+1303506536\" has the E.164 shape but cannot be a real number: the North American Numbering Plan (+1) uses 10-digit national numbers; this one has 9. [impossible-phone-number]\n"
        )
        #expect(result.stderr.contains("2 files checked: all valid"))
    }

    @Test func anErrorExitsOneWithLineAndColumn() async throws {
        let file = try temporaryFile(
            "call.json",
            "{\n  \"interaction\": {\n    \"userPhoneNumber\": \"+1 (408) 996-5744\",\n    \"callBackPhoneNumber\": \"+14089965744\"\n  }\n}\n"
        )
        let result = try await CommandResult.run(["validate", file.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("\(file.path):3:24: error: "))
        #expect(lines[0].hasSuffix("[invalid-phone-number]"))
        #expect(lines[0].contains("+14089965744"))
        #expect(lines[1].hasPrefix("\(file.path):4:5: warning: "))
        #expect(lines[1].contains("did you mean \"callbackPhoneNumber\""))
    }

    @Test func fileNameDecidesTheOperationUnlessGiven() async throws {
        let update = try temporaryFile("hangup.update.json", #"{"interaction": {"clientSessionId": "abc"}}"#)
        #expect(try await CommandResult.run(["validate", update.path]).status == 0)
        let asCreate = try await CommandResult.run(["validate", "--operation", "create", update.path])
        #expect(asCreate.status == 1)
        #expect(asCreate.stdout.contains("[missing-member]"))
        let badSysId = try await CommandResult.run(["validate", "--sys-id", "nope", update.path])
        #expect(badSysId.status == 1)
        #expect(badSysId.stdout.contains("\(update.path): error: ") && badSysId.stdout.contains("[invalid-sys-id]"))
    }

    @Test func jsonFormatAndStandardInput() async throws {
        let result = try await CommandResult.run(
            ["validate", "--format", "json", "-"], input: Array(#"{"interaction": {"userPhoneNumber": 5}}"#.utf8))
        #expect(result.status == 1)
        let value = try JSONParser.parse(Array(result.stdout.utf8)).root.value
        #expect(value[0]?["file"] == "<stdin>")
        #expect(value[0]?["valid"] == false)
        #expect(value[0]?["diagnostics"]?[0]?["code"] == "wrong-type")
        #expect(value[0]?["diagnostics"]?[0]?["range"]?["start"] == ["line": 0, "character": 36])
    }

    @Test func syntaxErrorsAreReportedWhereTheyAre() async throws {
        let file = try temporaryFile("broken.json", "{\n  \"interaction\": {\"userPhoneNumber\": \"+14089965744\",}\n}")
        let result = try await CommandResult.run(["validate", file.path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("\(file.path):2:53: error: The text is not valid JSON: trailing comma"))
        #expect(result.stdout.hasSuffix("[json-syntax]\n"))
    }

    @Test(arguments: [
        (["validate"], "no file to validate"),
        (["validate", "--format", "xml", "x.json"], "--format must be 'text', 'json', 'sarif' or 'github'; got 'xml'"),
        (["validate", "--color", "sometimes", "x.json"], "--color must be 'auto', 'always' or 'never'"),
        (
            ["validate", "--ignore", "impossible-phone", "x.json"],
            "unknown diagnostic code 'impossible-phone'; did you mean 'impossible-phone-number'?"
        ),
        (["validate", "--ignore", "json-syntax,dupe-key", "x.json"], "unknown diagnostic code 'dupe-key'; did you mean 'duplicate-key'?"),
        (["validate", "--warnings-as-errors=yes", "x.json"], "option '--warnings-as-errors' takes no value"),
        (["validate", "--operation", "delete", "x.json"], "--operation must be 'create' or 'update'"),
        (["validate", "--sys-id"], "option '--sys-id' needs a value"),
        (["validate", "--formt", "json", "x.json"], "unknown option '--formt' (did you mean --format?)"),
        (["frobnicate"], "unknown command 'frobnicate'"),
    ])
    func usageErrorsExitTwo(_ arguments: [String], _ phrase: String) async throws {
        let result = try await CommandResult.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(phrase), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func helpAndVersion() async throws {
        let version = try await CommandResult.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("openframe-rpc 0."))
        let help = try await CommandResult.run(["validate", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Usage: openframe-rpc validate"))
        #expect(help.stdout.contains("--sys-id ID"))
        for phrase in [
            "--format FORMAT", "sarif", "github", "--color WHEN", "NO_COLOR", "--ignore CODE[,CODE]", "--warnings-as-errors",
            "node_modules", "UTF-16", "columnKind utf16CodeUnits", "Exit status:", "impossible-phone-number",
        ] {
            #expect(help.stdout.contains(phrase), "\(phrase)")
        }
        let overview = try await CommandResult.run(["--help"])
        #expect(overview.stdout.contains("--max-message-bytes N"))
    }
}
