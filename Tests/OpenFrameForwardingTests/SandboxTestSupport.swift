import Foundation
import JSON
import OpenFrameForwarding
import Testing

/// Helpers shared by the Sandbox*Tests files.
enum SandboxFixtures {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    static func payload(_ text: String) throws -> JSONNode { try JSONParser.parse(text).root }

    static func example(_ name: String) throws -> JSONNode {
        try JSONParser.parse(Array(Data(contentsOf: examples.appendingPathComponent(name)))).root
    }

    static let ignoreProgress: ProgressSink = { _ in }

    /// A fresh, empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    static func lines(of url: URL) throws -> [String] {
        let text = try String(decoding: Data(contentsOf: url), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    static func zeroPadded(_ sequence: Int) -> String {
        String(repeating: "0", count: max(0, 7 - String(sequence).count)) + String(sequence)
    }

    static func isSysID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.allSatisfy { "0123456789abcdef".contains($0) }
    }

    /// The error a throwing call threw, or nil when it returned.
    static func error<E: Error>(_ body: () async throws(E) -> some Any) async -> E? {
        do { _ = try await body(); return nil } catch { return error }
    }
}

/// Records progress reports from any thread.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stages: [ForwardingProgress] = []

    var recorded: [ForwardingProgress] { lock.withLock { stages } }
    var sink: ProgressSink { { stage in self.lock.withLock { self.stages.append(stage) } } }
}
