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
import JSON
import Locking

/// Where one request's answer goes: straight out, or into its batch's array.
final class Reply: @unchecked Sendable {
    private let output: MessageOutput
    private let batch: BatchCollector?
    let id: RequestID

    init(id: RequestID, output: MessageOutput, batch: BatchCollector?) {
        self.id = id
        self.output = output
        self.batch = batch
    }

    func send(_ result: Result<JSONValue, ResponseError>) {
        let bytes = MessageEncoder.response(id: id, result: result)
        if let batch { batch.add(bytes) } else { output.send(bytes) }
    }

    /// A result already encoded as JSON text.
    func send(encoded result: Result<[UInt8], ResponseError>) {
        let bytes = MessageEncoder.response(id: id, encodedResult: result)
        if let batch { batch.add(bytes) } else { output.send(bytes) }
    }
}

/// Gathers the answers of one batch and sends them as one array once the last is in.
final class BatchCollector: @unchecked Sendable {
    private let lock = PThreadMutex()
    private let output: MessageOutput
    private var expected: Int
    private var responses: [[UInt8]] = []

    init(output: MessageOutput, expected: Int) {
        self.output = output
        self.expected = expected
        responses.reserveCapacity(expected)
    }

    func add(_ response: [UInt8]) {
        let complete: [[UInt8]]? = lock.withLock {
            responses.append(response)
            return responses.count == expected ? responses : nil
        }
        if let complete { output.send(MessageEncoder.batch(complete)) }
    }
}
