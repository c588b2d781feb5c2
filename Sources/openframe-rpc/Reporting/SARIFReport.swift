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

/// `--format sarif`: one SARIF 2.1.0 log, for GitHub code scanning (upload-sarif) and other SARIF viewers.
///
/// - One rule per diagnostic code (all of them, so a rule's index never changes), its help from
///   `DiagnosticCode.documentation`; each result names its rule and has SARIF's level (error, warning, note).
/// - Locations are relative to `%SRCROOT%` when the file is under the current directory (run it from the
///   repository root), else absolute `file://` URIs. Regions are 1-based, the end column exclusive, and
///   columns count UTF-16 code units (`columnKind` says so). A diagnostic with no place in the file
///   (invalid-sys-id is about `--sys-id`) gets line 1, since code scanning needs a line.
/// - Unreadable inputs are `toolExecutionNotifications`, and make `executionSuccessful` false.
struct SARIFReport {
    static let schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    static let rules = DiagnosticCode.allCases

    /// Where relative paths are resolved: the current directory.
    var root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)

    func render(_ files: [CheckedFile], exitCode: Int32) -> String {
        var results: [JSONValue] = []
        var notifications: [JSONValue] = []
        for file in files {
            switch file.outcome {
            case .unreadable(let reason):
                notifications.append([
                    "level": "error",
                    "message": ["text": .string(Self.sentence("\(file.name): \(reason)"))],
                    "locations": [["physicalLocation": ["artifactLocation": artifactLocation(file.name)]]],
                    "descriptor": ["id": "unreadable-input"],
                ])
            case .checked(let lines, let diagnostics):
                for diagnostic in diagnostics {
                    results.append(result(diagnostic, file: file.name, lines: lines))
                }
            }
        }
        var invocation: JSONObject = ["executionSuccessful": .bool(notifications.isEmpty), "exitCode": .int(Int(exitCode))]
        if !notifications.isEmpty { invocation["toolExecutionNotifications"] = .array(notifications) }
        let log: JSONValue = [
            "$schema": .string(Self.schema),
            "version": "2.1.0",
            "runs": [
                [
                    "tool": [
                        "driver": [
                            "name": .string(OpenFrameRPC.name),
                            "version": .string(OpenFrameRPC.version),
                            "semanticVersion": .string(OpenFrameRPC.version),
                            "rules": .array(Self.rules.map(Self.rule)),
                        ]
                    ],
                    "invocations": [.object(invocation)],
                    "columnKind": "utf16CodeUnits",
                    "results": .array(results),
                ]
            ],
        ]
        return String(decoding: JSONWriter.serialize(log, indent: 2), as: UTF8.self) + "\n"
    }

    static func rule(_ code: DiagnosticCode) -> JSONValue {
        let plain = sentence(code.documentation.filter { $0 != "`" })
        let markdown = sentence(code.documentation)
        let helpSuffix =
            " Codes are listed in protocol.md, section Diagnostic codes; silence one with `openframe-rpc validate --ignore \(code.rawValue)`."
        return [
            "id": .string(code.rawValue),
            "name": .string(code.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()),
            "shortDescription": ["text": .string(code.summary)],
            "fullDescription": ["text": .string(plain), "markdown": .string(markdown)],
            "help": ["text": .string(plain + helpSuffix.filter { $0 != "`" }), "markdown": .string(markdown + helpSuffix)],
            "defaultConfiguration": ["level": .string(level(code.severity))],
        ]
    }

    static func level(_ severity: Diagnostic.Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .information: "note"
        }
    }

    /// SARIF asks for messages that end with a period. (No capital is forced: many start with a member name.)
    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }

    private func result(_ diagnostic: Diagnostic, file: String, lines: LineIndex) -> JSONValue {
        var region: JSONObject = ["startLine": 1]
        if let span = diagnostic.span {
            let place = SourceRegion(span, in: lines, columns: .utf16)
            region = [
                "startLine": .int(place.startLine), "startColumn": .int(place.startColumn),
                "endLine": .int(place.endLine), "endColumn": .int(place.endColumn),
            ]
        }
        return [
            "ruleId": .string(diagnostic.code.rawValue),
            "ruleIndex": .int(Self.rules.firstIndex(of: diagnostic.code) ?? 0),
            "level": .string(Self.level(diagnostic.severity)),
            "message": ["text": .string(Self.sentence(diagnostic.message))],
            "locations": [["physicalLocation": ["artifactLocation": artifactLocation(file), "region": .object(region)]]],
        ]
    }

    /// `{"uri": "examples/a.json", "uriBaseId": "%SRCROOT%"}` under the current directory, else `{"uri": "file:///…"}`.
    func artifactLocation(_ name: String) -> JSONValue {
        let url = URL(fileURLWithPath: name, relativeTo: root).standardizedFileURL
        let base = root.standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        if url.path.hasPrefix(prefix) {
            return ["uri": .string(Self.percentEncoded(String(url.path.dropFirst(prefix.count)))), "uriBaseId": "%SRCROOT%"]
        }
        return ["uri": .string("file://" + Self.percentEncoded(url.path))]
    }

    /// A path as a URI reference: unreserved characters and `/` stay, every other byte is %XX.
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
