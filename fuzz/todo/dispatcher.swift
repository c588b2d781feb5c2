// TODO(issue 7, later): fuzz target for the JSON-RPC dispatcher with the validation core behind it.
// To enable: move this file to fuzz/Sources/fuzz-dispatcher/Dispatcher.swift, add "fuzz-dispatcher"
// to `fuzzTargets` in fuzz/Package.swift, fill in the TODOs, seed fuzz/corpus/dispatcher/ (make-seeds:
// the JSON-RPC messages it already extracts from the Swift tests, one per file, as NDJSON lines),
// run `fuzz/run dispatcher --merge`, and commit the corpus. Until then it is not compiled.
//
// Products: JSON and JSONRPC are root library products today. If the validation core is wired
// in through OpenFrameServer (not a product in the root Package.swift), that target must become a
// library product first; then add it to `rootProducts` in fuzz/Package.swift.
//
// fuzz-options: -dict=json.dict -max_len=8192
//
// Input: NDJSON: each line is one frame handed to `Server.receive(frame:)` (arbitrary bytes, not
// only valid JSON), then `endOfInput()`.
// Properties:
//  * never a crash or a hang; handlers are the real method table (validation core), with the
//    outbound client (OpenFrameForwarding) replaced by the in-process stand-in or a stub;
//  * exactly one response per request id: collect what the `MessageOutput` receives; every
//    request (a member with "id" and a string "method") gets one response with an equal id
//    (compared as raw JSON text: 1 and 1.0 differ); duplicate ids in flight follow the spec'd rule;
//  * no response to a notification (no "id"), except the null-id errors the spec requires for
//    parse errors and invalid requests; a batch gets one array holding exactly its requests'
//    responses, and nothing for an all-notification batch;
//  * every response is valid JSON-RPC 2.0 (JSONParser.parse, "jsonrpc":"2.0", exactly one of
//    result/error, error codes in the reserved ranges) and within the message size limit.

import FuzzSupport
import JSON
import JSONRPC

final class CollectingOutput: MessageOutput, @unchecked Sendable {
    // TODO: a lock around `bodies`; handlers may answer from other threads.
    var bodies: [[UInt8]] = []
    func send(_ body: [UInt8]) { bodies.append(body) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDispatcher(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    let output = CollectingOutput()
    let server = Server(output: output)
    // TODO: register the real method table (validation core) instead of nothing.
    let frames = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
    for frame in frames { server.receive(frame: Array(frame)) }
    server.endOfInput()
    // TODO: expected responses from the frames (ids of requests, batches), compare with output.bodies.
    return 0
}
