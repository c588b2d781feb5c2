import JSON

@testable import OpenFrame

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The repository's example payloads, found from this file so tests run from any directory.
enum Examples {
    static let directory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/examples/"
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        try readFile(directory + name)
    }

    static var create: [UInt8] { get throws { try bytes("voice-interaction.create.json") } }
    static var update: [UInt8] { get throws { try bytes("voice-interaction.update.json") } }
}

struct FileError: Error { let path: String }

/// Reads a file with the C library, keeping Foundation out of the test target as out of the module.
func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw FileError(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

let sysId = "12961fff7fb2d2102d0cd3cf8c86652b"

func validate(_ text: String, _ operation: OpenFrame.Operation = .create, sysId: String? = sysId) -> ValidationReport {
    Validator.validate(text: Array(text.utf8), operation: operation, interactionSysId: sysId)
}

/// The text a span covers, so span expectations read as the bytes they point at.
func covered(_ span: SourceSpan?, in text: String) -> String? {
    guard let span else { return nil }
    return String(decoding: Array(text.utf8)[span.start..<span.end], as: UTF8.self)
}
