import Foundation
import JSON
import JSONRPC
import Testing

@testable import OpenFrameServer

/// Typing fast: stale validations are dropped, not queued, and the reader thread never waits for one.
@Suite(.timeLimit(.minutes(1)))
struct StaleValidationTests {
    /// Holds the first validation until released, on the validation queue (never the test's threads).
    final class Gate: @unchecked Sendable {
        private let condition = NSCondition()
        private var open = false
        private var held = false
        private(set) var validations = 0

        func pass(_ snapshot: DocumentSnapshot) {
            condition.lock()
            validations += 1
            let first = validations == 1
            if first { held = true }
            while first, !open { condition.wait() }
            condition.unlock()
        }

        var isHolding: Bool { condition.withLock { held && !open } }
        var count: Int { condition.withLock { validations } }

        func release() {
            condition.withLock {
                open = true
                condition.broadcast()
            }
        }
    }

    @Test func onlyTheNewestVersionIsPublished() async throws {
        let client = EditorClient()
        let editor = try #require(client.editor)
        let gate = Gate()
        editor.publisher.beforeValidation = { gate.pass($0) }
        let uri = "file:///p/big.create.json"
        client.open(uri, #"{"interaction": {"clientSessionId": ""}}"#)
        while !gate.isHolding { try await Task.sleep(nanoseconds: 1_000_000) }

        // While version 1 is being validated, type 40 characters, one change each.
        for version in 2...41 {
            let character = 37 + version - 2
            client.change(uri, version: version, [edit(range((0, character), (0, character)), "x")])
        }
        // The reader thread was never held up: a request is answered at once.
        let hover = client.hover(uri, (0, 20))
        #expect(hover["result"]?["range"] == range((0, 17), (0, 34)))

        gate.release()
        let published = try #require(await client.waitForPublish(uri, version: 41))
        await client.settle()
        // Version 1's result was stale and dropped; the 40 changes cost one more validation, not 40.
        #expect(client.publishes(uri).map { $0["version"] } == [41])
        #expect(gate.count == 2)
        #expect(published["diagnostics"]?.arrayValue?.map { $0["code"] } == ["missing-member"])
    }

    @Test func closeWhileValidatingPublishesOnlyTheClearing() async throws {
        let client = EditorClient()
        let editor = try #require(client.editor)
        let gate = Gate()
        editor.publisher.beforeValidation = { gate.pass($0) }
        let uri = "file:///p/closing.create.json"
        client.open(uri, "{}")
        while !gate.isHolding { try await Task.sleep(nanoseconds: 1_000_000) }
        client.close(uri)
        gate.release()
        await client.settle()
        #expect(client.publishes(uri) == [["uri": .string(uri), "diagnostics": []]])
    }

    @Test func documentsAreValidatedIndependently() async throws {
        let client = EditorClient()
        for index in 0..<20 { client.open("file:///p/\(index).create.json", "{}") }
        for index in 0..<20 {
            let published = await client.waitForPublish("file:///p/\(index).create.json", version: 1)
            #expect(published?["diagnostics"]?.arrayValue?.count == 1)
        }
    }
}
