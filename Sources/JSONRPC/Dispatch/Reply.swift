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
        if let batch { batch.add(bytes, id: id) } else { output.send(bytes) }
    }

    /// A result already encoded as JSON text.
    func send(encoded result: Result<[UInt8], ResponseError>) {
        let bytes = MessageEncoder.response(id: id, encodedResult: result)
        if let batch { batch.add(bytes, id: id) } else { output.send(bytes) }
    }
}

/// Gathers the answers of one batch and sends them as one array once the last is in.
/// The array is bounded (see `Server.Configuration.maxBatchAnswerBytes`): once it holds `maxBytes`,
/// a large answer is replaced by a short error saying so.
final class BatchCollector: @unchecked Sendable {
    private let lock = PThreadMutex()
    private let output: MessageOutput
    private var expected: Int
    private let maxBytes: Int
    private let smallAnswerBytes: Int
    private var bytes = 0
    private var responses: [[UInt8]] = []

    init(output: MessageOutput, expected: Int, maxBytes: Int = .max, smallAnswerBytes: Int = 4 << 10) {
        self.output = output
        self.expected = expected
        self.maxBytes = maxBytes
        self.smallAnswerBytes = smallAnswerBytes
        responses.reserveCapacity(expected)
    }

    func add(_ response: [UInt8], id: RequestID) {
        let complete: [[UInt8]]? = lock.withLock {
            var response = response
            if response.count > smallAnswerBytes, bytes + response.count > maxBytes {
                response = MessageEncoder.response(
                    id: id,
                    result: .failure(
                        .invalidRequest(
                            "invalid request: its answer (\(response.count) bytes) would take the batch's answers past "
                                + "\(maxBytes) bytes, so it was left out; send this request on its own or in a smaller batch")))
            }
            bytes += response.count
            responses.append(response)
            return responses.count == expected ? responses : nil
        }
        if let complete { output.send(MessageEncoder.batch(complete)) }
    }
}
