import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

/// The outbox file (replay, torn line, lock, compaction) and the rules the delivery engine follows.
final class OutboxStoreTests {
    let directory: URL
    let file: URL

    init() throws {
        directory = try SandboxFixtures.temporaryDirectory()
        file = directory.appendingPathComponent("outbox.jsonl")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static let create: JSONValue = ["interaction": ["userPhoneNumber": "+14155550100", "clientSessionId": "call-1"]]

    func lines() throws -> [String] {
        try String(decoding: Data(contentsOf: file), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func everyChangeIsOnDiskAndReplaysAfterAReopen() throws {
        var store: OutboxStore? = try OutboxStore(file: file)
        let item = try store!.add(operation: .create, payload: Self.create, apiVersion: "v1", key: nil, dependsOn: nil, sysId: nil)
        #expect(item.key == item.id && item.state == .queued && item.seq == 1)
        try store!.record(.sending, id: item.id)
        #expect(try lines().count == 2)
        store = nil  // a crash mid-send: the file says the send went out, with no outcome
        let reopened = try OutboxStore(file: file)
        let replayed = try #require(reopened.item(item.id))
        #expect(replayed.state == .queued && replayed.outcomeUnknown && replayed.attempts == 1)
        #expect(replayed.payload == Self.create && replayed.apiVersion == "v1")
        let next = try reopened.add(
            operation: .update, payload: ["interaction": [:]], apiVersion: nil, key: item.key, dependsOn: item.id, sysId: nil)
        #expect(next.seq == 2 && next.key == item.key)
    }

    @Test func aTornLastLineIsSkippedWithAWarningAndRemoved() throws {
        do {
            let store = try OutboxStore(file: file)
            _ = try store.add(operation: .create, payload: Self.create, apiVersion: nil, key: nil, dependsOn: nil, sysId: nil)
        }
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"ev":"sending","id":"ob-"#.utf8))
        try handle.close()
        let store = try OutboxStore(file: file)
        #expect(store.warnings.count == 1)
        #expect(store.warnings.first?.contains("outbox file") == true)
        #expect(store.list().count == 1 && store.list().first?.attempts == 0)
        #expect(try lines().count == 1)
    }

    @Test func aDamagedEarlierLineIsRefused() throws {
        try Data("not json\n{\"ev\":\"sending\",\"id\":\"x\",\"at\":\"t\"}\n".utf8).write(to: file)
        #expect(throws: OutboxFileError.self) { try OutboxStore(file: file) }
        try Data(
            "{\"ev\":\"sending\",\"id\":\"ob-unknown\",\"epoch\":1,\"at\":\"t\"}\n{\"ev\":\"sending\",\"id\":\"x\",\"epoch\":1,\"at\":\"t\"}\n"
                .utf8
        ).write(to: file)
        do {
            _ = try OutboxStore(file: file)
            Issue.record("a line about an unknown item was accepted")
        } catch {
            #expect(error.description.contains("line 1") && error.description.contains("ob-unknown"))
        }
    }

    @Test func theFileIsLockedWhileOpen() throws {
        let store = try OutboxStore(file: file)
        do {
            _ = try OutboxStore(file: file)
            Issue.record("a second open succeeded")
        } catch {
            #expect(error.inUse)
            #expect(error.description.contains("in use"))
        }
        _ = store
    }

    @Test func compactionKeepsOpenItemsAndDropsOldFinishedOnes() throws {
        var ids: [String] = []
        do {
            let store = try OutboxStore(file: file)
            for index in 0..<5 {
                let item = try store.add(operation: .create, payload: Self.create, apiVersion: nil, key: nil, dependsOn: nil, sysId: nil)
                try store.record(.sending, id: item.id)
                if index < 3 {
                    try store.record(
                        .delivered(
                            result: ["status": "SUCCESS", "sysId": "0123456789abcdef0123456789abcdef"],
                            sysId: "0123456789abcdef0123456789abcdef"), id: item.id)
                } else if index == 3 {
                    try store.record(.parked(reason: "checked by a person"), id: item.id)
                }
                ids.append(item.id)
            }
        }
        #expect(try lines().count == 5 + 5 + 3 + 1)
        // Finished items are kept for keepFinished seconds (the default 24 h) …
        do {
            let store = try OutboxStore(file: file)
            #expect(store.list(state: .delivered).count == 3)
            #expect(try lines().count == 5)  // … as one line per item
        }
        // … and then dropped.
        let store = try OutboxStore(file: file, keepFinished: 0)
        #expect(store.list().map(\.id) == [ids[3], ids[4]])
        #expect(store.item(ids[3])?.state == .parked && store.item(ids[3])?.reason == "checked by a person")
        #expect(store.item(ids[4])?.outcomeUnknown == true)
        #expect(try lines().count == 2)
        #expect(!FileManager.default.fileExists(atPath: file.path + ".compacting"))
    }

    @Test func requeueAndDiscard() throws {
        let store = try OutboxStore(file: file)
        let item = try store.add(operation: .create, payload: Self.create, apiVersion: nil, key: nil, dependsOn: nil, sysId: nil)
        try store.record(.sending, id: item.id)
        try store.record(.parked(reason: "r"), id: item.id)
        let requeued = try #require(try store.record(.requeued, id: item.id))
        #expect(requeued.state == .queued && !requeued.outcomeUnknown)
        try store.record(.discarded, id: item.id)
        #expect(store.item(item.id) == nil)
        #expect(try store.record(.requeued, id: item.id) == nil)
    }
}

struct OutboxRuleTests {
    @Test func theLookupCountsOnlyAnExactSingleMatch() {
        let ours = "call-1"
        #expect(InteractionLookup.decide(rows: [], clientSessionId: ours) == .notFound)
        #expect(
            InteractionLookup.decide(rows: [["sys_id": "a", "number": "IMS1", "client_session_id": "call-1"]], clientSessionId: ours)
                == .found(sysId: "a", number: "IMS1"))
        guard case .inconclusive(let missing) = InteractionLookup.decide(rows: [["sys_id": "a", "number": "IMS1"]], clientSessionId: ours)
        else {
            Issue.record("rows without the field counted"); return
        }
        #expect(missing.contains("no client_session_id field"))
        guard
            case .inconclusive(let other) = InteractionLookup.decide(
                rows: [["sys_id": "a", "client_session_id": "call-10"]], clientSessionId: ours)
        else {
            Issue.record("another value counted"); return
        }
        #expect(other.contains("is not"))
        let two: [JSONValue] = [["sys_id": "a", "client_session_id": "call-1"], ["sys_id": "b", "client_session_id": "call-1"]]
        guard case .inconclusive(let many) = InteractionLookup.decide(rows: two, clientSessionId: ours) else {
            Issue.record("two matches counted"); return
        }
        #expect(many.contains("2 interaction records"))
    }

    @Test func failuresAreClassifiedByWhetherTheInstanceMayHaveActed() {
        func decision(_ error: ForwardingError) -> String {
            switch DeliveryDecision.after(error) {
            case .retryLater: "retry"
            case .outcomeUnknown: "unknown"
            case .fail: "fail"
            case .pause: "pause"
            }
        }
        #expect(decision(.unreachable(reason: "refused", mayHaveActed: false)) == "retry")
        #expect(decision(.unreachable(reason: "timeout", mayHaveActed: true)) == "unknown")
        for status in [429, 503] { #expect(decision(.instance(httpStatus: status, message: "m", detail: nil)) == "retry") }
        for status in [500, 502, 504, 202] { #expect(decision(.instance(httpStatus: status, message: "m", detail: nil)) == "unknown") }
        for status in [400, 403, 404, 415, 200] { #expect(decision(.instance(httpStatus: status, message: "m", detail: nil)) == "fail") }
        #expect(decision(.instance(httpStatus: 401, message: "m", detail: nil)) == "pause")
        #expect(decision(.configuration("bad")) == "fail")
    }

    @Test func onlyValueSettingUpdatesAreIdempotent() {
        func item(_ payload: JSONValue, _ operation: OutboxItem.Operation = .update) -> OutboxItem {
            OutboxItem(
                id: "ob-1", seq: 1, operation: operation, payload: payload, apiVersion: nil, key: "k", dependsOn: nil, sysId: nil,
                state: .queued, attempts: 0, outcomeUnknown: false, sentEpoch: nil, reason: nil, result: nil, queuedAt: "", queuedEpoch: 0,
                updatedAt: "")
        }
        #expect(item(["interaction": [:], "interactionContext": [:]]).isIdempotentUpdate)
        #expect(!item(["interaction": [:], "phoneLogs": []]).isIdempotentUpdate)
        #expect(!item(["relatedRecords": []]).isIdempotentUpdate)
        #expect(!item(["interaction": [:]], .create).isIdempotentUpdate)
        #expect(item(["interaction": ["clientSessionId": "x"]], .create).clientSessionId == "x")
        #expect(item(["interaction": ["clientSessionId": ""]], .create).clientSessionId == nil)
    }
}

/// The engine against the embedded sandbox: order, dependsOn, resumption after a restart.
final class OutboxDeliveryTests {
    let directory: URL
    let file: URL

    init() throws {
        directory = try SandboxFixtures.temporaryDirectory()
        file = directory.appendingPathComponent("outbox.jsonl")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    @Test func anUpdateNamingAQueuedCreateGoesToTheRecordTheCreateMade() async throws {
        let sandbox = Sandbox()
        let delivery = OutboxDelivery(store: try OutboxStore(file: file), target: { sandbox })
        let create = try delivery.submit(operation: .create, payload: OutboxStoreTests.create, apiVersion: nil, dependsOn: nil, sysId: nil)
        let update = try delivery.submit(
            operation: .update, payload: ["interaction": ["additionalParams": ["step": "1"]]],
            apiVersion: nil, dependsOn: create.id, sysId: nil)
        let created = await delivery.waitForOutcome(create.id, seconds: 5)
        let updated = await delivery.waitForOutcome(update.id, seconds: 5)
        #expect(created?.state == .delivered)
        #expect(updated?.state == .delivered)
        let sysId = try #require(created?.sysId)
        #expect(updated?.sysId == sysId)
        #expect(sandbox.record(sysId: sysId)?["interaction"]?["additionalParams"]?["step"] == "1")
    }

    @Test func aRestartedEngineResumesQueuedItemsAndLooksUpAnUnknownOutcome() async throws {
        let sandbox = Sandbox()
        // What a server killed mid-send leaves: a create marked sending, with no outcome.
        var id = ""
        do {
            let store = try OutboxStore(file: file)
            id = try store.add(operation: .create, payload: OutboxStoreTests.create, apiVersion: nil, key: nil, dependsOn: nil, sysId: nil)
                .id
            try store.record(.sending, id: id)
        }
        // The instance did store it.
        let stored = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{"userPhoneNumber":"+14155550100","clientSessionId":"call-1"}}"#),
            apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        var settings = OutboxDelivery.Settings()
        settings.settle = 0
        let delivery = OutboxDelivery(store: try OutboxStore(file: file), settings: settings, target: { sandbox })
        delivery.resume()
        let item = await delivery.waitForOutcome(id, seconds: 5)
        #expect(item?.state == .delivered)
        #expect(item?.result?["foundBy"] == "lookup")
        #expect(item?.sysId == stored["sysId"]?.stringValue)
        #expect(sandbox.records.count == 1)
    }

    @Test func anUnknownOutcomeIsLookedUpOnlyAfterSettleHasPassedOnTheClock() async throws {
        let clock = ManualClock()
        let sandbox = Sandbox()
        var id = ""
        do {
            let store = try OutboxStore(file: file, clock: clock)
            id = try store.add(operation: .create, payload: OutboxStoreTests.create, apiVersion: nil, key: nil, dependsOn: nil, sysId: nil)
                .id
            try store.record(.sending, id: id)
        }
        _ = try await sandbox.create(
            payload: try SandboxFixtures.payload(#"{"interaction":{"userPhoneNumber":"+14155550100","clientSessionId":"call-1"}}"#),
            apiVersion: nil, progress: SandboxFixtures.ignoreProgress)
        clock.advance(by: 20)  // the server restarts 20 s after the send started
        let delivery = OutboxDelivery(store: try OutboxStore(file: file, clock: clock), target: { sandbox })  // settle: 60 s
        delivery.resume()
        try await clock.waitForSleepers(1)
        #expect(clock.requestedSleeps == [40], "settle counts from the send's start, on the store's clock")
        clock.advance(by: 39.9)
        #expect(clock.sleeperCount == 1 && delivery.store.item(id)?.state == .queued, "no lookup before settle has passed")
        clock.advance(by: 0.1)
        let item = try await result(of: Task { await delivery.waitForOutcome(id, seconds: 5) }).get()
        #expect(item?.state == .delivered && item?.result?["foundBy"] == "lookup")
        #expect(sandbox.records.count == 1)
    }
}
