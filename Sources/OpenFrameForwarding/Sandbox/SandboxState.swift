import JSON

/// The sandbox's records and its number sequence. A plain value: the sandbox guards it with a lock,
/// and replaying a file builds it line by line through the same two operations a live call uses.
struct SandboxState {
    /// sys_id → the stored record: `sysId`, `number`, `createdAt`, `updatedAt`, then the merged
    /// `interaction`, `interactionContext`, `phoneLogs` and `relatedRecords`.
    private(set) var records: [String: JSONObject] = [:]
    /// The highest IMS sequence number handed out so far (0 when none).
    private(set) var highestSequence = 0

    /// A random sys_id no stored record has.
    func freshSysID() -> String {
        while true {
            let sysID = SandboxIdentifiers.randomSysID()
            if records[sysID] == nil { return sysID }
        }
    }

    var nextNumber: String { SandboxIdentifiers.number(highestSequence + 1) }

    /// Stores a new record. The caller ensures `sysID` is new and `number` is an IMS number.
    mutating func create(sysID: String, number: String, payload: JSONObject, at time: String) {
        var record: JSONObject = [
            "sysId": .string(sysID), "number": .string(number), "createdAt": .string(time), "updatedAt": .string(time),
        ]
        SandboxRecordMerge.merge(payload, into: &record)
        records[sysID] = record
        highestSequence = max(highestSequence, SandboxIdentifiers.sequence(ofNumber: number) ?? 0)
    }

    /// Merges into a stored record; false when there is no record with that sys_id.
    mutating func update(sysID: String, payload: JSONObject, at time: String) -> Bool {
        guard var record = records.removeValue(forKey: sysID) else { return false }
        SandboxRecordMerge.merge(payload, into: &record)
        record["updatedAt"] = .string(time)
        records[sysID] = record
        return true
    }
}
