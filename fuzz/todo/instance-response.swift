// TODO(issue 7, later): fuzz target for the parser of an openframe instance's HTTP responses
// (status line, headers, chunked or Content-Length body, JSON payload), which takes bytes from the
// network. To enable: move this file to fuzz/Sources/fuzz-instance-response/InstanceResponse.swift,
// add "fuzz-instance-response" to `fuzzTargets` in fuzz/Package.swift, fill in the TODOs, seed
// fuzz/corpus/instance-response/ from the stand-in's recorded answers (Tests/StandIn) including its
// fault modes, run `fuzz/run instance-response --merge`, and commit the corpus.
//
// Products: the parser will live in OpenFrameForwarding, which is NOT a library product of the
// root Package.swift today. It must be made one (`.library(name: "OpenFrameForwarding", …)`), and
// added to `rootProducts` in fuzz/Package.swift, before this target can build.
//
// fuzz-options: -dict=json.dict -max_len=16384
//
// Input: the raw bytes of one HTTP response, optionally chunked as in fuzz-frame-decoder
// (a header byte selects the chunking) if the parser is incremental.
// Properties:
//  * never a crash or a hang; a result or a typed error for any bytes;
//  * bounded: no body or header larger than the configured limits is ever held;
//  * differential: one chunk and fuzzed chunks give the same result (if incremental);
//  * an accepted payload re-serializes (JSONWriter) and re-parses to an equal value, and the
//    fields the client reads (sys_id, status, error details) are exactly those in the JSON.

import FuzzSupport
import JSON
// import OpenFrameForwarding   // TODO: once it is a product

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInstanceResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    _ = input  // TODO: parse and check the properties above.
    return 0
}
