import Dispatch
import JSON
import Locking

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

/// The embedded sandbox: answers create and update as an instance's openframe API would, so the whole
/// flow runs with no instance configured. Records live in memory, or also in an append-only file
/// (`init(file:)`) that survives restarts.
///
/// Thread-safe: one lock guards the records; with a file, writes also run one at a time on a private
/// queue, so the `fsync` of one write never blocks Swift's cooperative threads.
public final class Sandbox: InteractionTarget, @unchecked Sendable {
    public let kind = TargetKind.sandbox
    public let displayName: String
    /// What opening the file skipped (an unfinished last line), for the server to print on stderr. Empty in memory.
    public let warnings: [String]

    private let lock = PThreadMutex()
    private var state: SandboxState
    private let journal: SandboxJournal?
    /// Owns the journal's writes (one at a time, in order, off the cooperative pool); `attempt` checks it runs there.
    private let fileQueue: DispatchQueue?

    private static let host = "sandbox"

    /// An in-memory sandbox: empty, and gone with the process.
    public init() {
        displayName = "embedded sandbox (in memory)"
        warnings = []
        state = SandboxState()
        journal = nil
        fileQueue = nil
    }

    /// A sandbox kept in a JSON Lines file, created (not its directories) when missing. Replays the file;
    /// an unfinished last line is skipped and reported in `warnings`, anything else wrong is an error.
    public init(file: URL) throws(SandboxFileError) {
        var state = SandboxState()
        var numbers = Set<Int>()
        let (journal, warnings) = try SandboxJournal.open(file) { (line) throws(SandboxJournalEntry.Malformed) in
            switch try SandboxJournalEntry(line) {
            case .create(let sysID, let number, let payload, let time):
                guard state.records[sysID] == nil else { throw .init("a second create for sysId \(sysID)") }
                guard numbers.insert(SandboxIdentifiers.sequence(ofNumber: number) ?? 0).inserted else {
                    throw .init("number \(number) was already given to another record")
                }
                state.create(sysID: sysID, number: number, payload: payload, at: time)
            case .update(let sysID, let payload, let time):
                guard state.update(sysID: sysID, payload: payload, at: time) else {
                    throw .init("update of sysId \(sysID), which no earlier line creates")
                }
            }
        }
        self.displayName = "embedded sandbox (\(journal.path))"
        self.warnings = warnings
        self.state = state
        self.journal = journal
        self.fileQueue = DispatchQueue(label: "openframe.sandbox.file")
    }

    /// Every stored record by sys_id: `sysId`, `number`, `createdAt`, `updatedAt` and the merged payload members.
    public var records: [String: JSONObject] { lock.withLock { state.records } }

    public func record(sysId: String) -> JSONObject? { lock.withLock { state.records[sysId] } }

    public func create(payload: JSONNode, apiVersion: String?, progress: ProgressSink) async throws(ForwardingError) -> JSONObject {
        let fields = try Self.accept(payload, apiVersion: apiVersion, progress: progress)
        return try await write { (state, journal) throws(ForwardingError) in
            let time = SandboxClock.now()
            let sysID = state.freshSysID()
            let number = state.nextNumber
            try Self.save(SandboxJournalEntry.line(op: "create", sysID: sysID, number: number, payload: payload, at: time), to: journal)
            state.create(sysID: sysID, number: number, payload: fields, at: time)
            return ["status": "SUCCESS", "sysId": .string(sysID), "number": .string(number)]
        }
    }

    public func update(
        sysId: String, payload: JSONNode, apiVersion: String?, progress: ProgressSink
    ) async throws(ForwardingError) -> JSONObject {
        let fields = try Self.accept(payload, apiVersion: apiVersion, progress: progress)
        return try await write { (state, journal) throws(ForwardingError) in
            let time = SandboxClock.now()
            // A malformed sys_id simply matches no record, as on the instance.
            guard state.records[sysId] != nil else {
                throw .instance(
                    httpStatus: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval")
            }
            try Self.save(SandboxJournalEntry.line(op: "update", sysID: sysId, number: nil, payload: payload, at: time), to: journal)
            _ = state.update(sysID: sysId, payload: fields, at: time)
            return ["status": "SUCCESS"]
        }
    }

    /// What a forward does before the instance acts: check the version (a local configuration error),
    /// report sending and waiting, and read the body, which must be a JSON object (else 400, as the API answers).
    private static func accept(_ payload: JSONNode, apiVersion: String?, progress: ProgressSink) throws(ForwardingError) -> JSONObject {
        try SandboxIdentifiers.checkAPIVersion(apiVersion)
        progress(.sending(host: host, attempt: 1))
        progress(.waiting(host: host))
        guard case .object(let fields) = payload.value else {
            throw .instance(httpStatus: 400, message: "Bad Request", detail: "the request body must be a JSON object, not \(payload.kind)")
        }
        return fields
    }

    private typealias Write = @Sendable (inout SandboxState, SandboxJournal?) throws(ForwardingError) -> JSONObject

    /// Runs one write under the lock, unless the task is cancelled first (then nothing is stored).
    /// With a file, the write runs on the file queue and a cancel that arrives while it waits there still counts.
    private func write(_ body: @escaping Write) async throws(ForwardingError) -> JSONObject {
        guard let fileQueue else {
            if Task.isCancelled { throw .cancelled }
            return try locked(body)
        }
        let cancelled = CancellationFlag()
        let result: Result<JSONObject, ForwardingError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // The block holds the sandbox only while writing (the caller holds it throughout), so once the
                // caller has its answer, dropping the sandbox closes and unlocks the file at once.
                fileQueue.async { [weak self] in
                    let result = self?.attempt(body, unless: cancelled) ?? .failure(.cancelled)
                    continuation.resume(returning: result)
                }
            }
        } onCancel: {
            cancelled.set()
        }
        return try result.get()
    }

    private func attempt(_ body: Write, unless cancelled: CancellationFlag) -> Result<JSONObject, ForwardingError> {
        if let fileQueue { dispatchPrecondition(condition: .onQueue(fileQueue)) }
        if cancelled.isSet { return .failure(.cancelled) }
        do throws(ForwardingError) {
            return .success(try locked(body))
        } catch {
            return .failure(error)
        }
    }

    private func locked(_ body: Write) throws(ForwardingError) -> JSONObject {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state, journal)
    }

    /// Makes a write durable before it is applied; a file that fails is the instance's 500 (nothing was stored).
    private static func save(_ line: [UInt8], to journal: SandboxJournal?) throws(ForwardingError) {
        do throws(SandboxFileError) {
            try journal?.append(line)
        } catch {
            throw .instance(httpStatus: 500, message: "The sandbox could not save the record", detail: error.description)
        }
    }
}
