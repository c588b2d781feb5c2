// Fuzz target: what an openframe instance answers, as the instance client sees it once the HTTP
// layer (CurlTransport) is done: `InstanceResponseParser.parse(status:headers:body:)` and
// `InstanceResponseParser.retryAdvice(status:headers:now:maxDelay:)`, plus `HTTPDate.parse` on every
// header value. JSON bodies go through JSONParser, XML bodies through the project's XML reader
// (InstanceXMLReader; fuzzed on its own by fuzz-xml-reader).
//
// fuzz-options: -dict=instance-response.dict -max_len=16384
//
// Input: 2 bytes status (big-endian v: v < 0xF000 gives v % 1000, else the negative Int16 v), 1 byte
// of options (low 2 bits: maxDelay 60, 0, 1 or 3600 s), then header lines "Name: value" (LF or CRLF)
// up to an empty line, then the body (the rest). `now` is fixed (Sun, 06 Nov 1994 08:49:37 GMT) so
// that dates near it in the corpus lie in the future.
//
// Properties:
//  * never a crash or a hang: a result or a typed error for any status, headers and bytes;
//  * success only for a 2xx other than 202; a failure is always `.instance` with the given status,
//    a non-empty message of at most 1200 characters and a detail of at most 1000;
//  * a JSON body (Content-Type naming json, or a first non-blank byte `{`) that parses to an object
//    with an object `result` decides the answer alone: success, with exactly that object, iff 2xx
//    other than 202 and `result.status` is a string that uppercases to SUCCESS; an error object
//    with a non-empty string `message` (and no `result` object) gives exactly that message (cut
//    at 1000 characters), for any status but 202;
//  * an accepted result object writes (JSONWriter) and re-parses to an equal value;
//  * retryAdvice: no retry unless 429 or 503; then a delay in 0…maxDelay or nil (backoff); a
//    Retry-After of only digits gives exactly min(digits, maxDelay);
//  * HTTPDate.parse, for any header value it accepts: the date, written back as an IMF-fixdate,
//    parses to the same date.

import Foundation
import FuzzSupport
import JSON
import OpenFrameForwarding

let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

struct Input {
    var status: Int
    var maxDelay: Double
    var headers: [String: String]
    var body: [UInt8]

    init(_ bytes: [UInt8]) {
        let v = bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : 200
        status = v < 0xF000 ? Int(v % 1000) : Int(Int16(bitPattern: v))
        let options = bytes.count >= 3 ? bytes[2] : 0
        maxDelay = [60, 0, 1, 3600][Int(options & 3)]
        var rest = bytes.dropFirst(3)
        headers = [:]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            var line = rest[rest.startIndex..<end]
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { break }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = colon < line.endIndex
                ? String(decoding: line[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }, as: UTF8.self) : ""
            if headers[name] == nil { headers[name] = value }
        }
        body = Array(rest)
    }
}

func shortened(_ text: String, _ limit: Int) -> String {
    text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
}

/// Header lookup in any letter case, the first name (in dictionary order) that matches winning,
/// as in the parser; only used where a single match is required.
func header(_ headers: [String: String], _ name: String) -> [String] {
    headers.filter { $0.key.lowercased() == name }.map(\.value)
}

/// IMF-fixdate of a date (proleptic Gregorian, UTC), by Howard Hinnant's civil_from_days.
func imfFixdate(_ date: Date) -> String? {
    let seconds = date.timeIntervalSince1970
    guard seconds.rounded() == seconds, abs(seconds) < 1e15 else { return nil }
    let total = Int(seconds)
    let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
    let secondOfDay = total - days * 86_400
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    guard (0...9999).contains(year) else { return nil }
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
    return "\(weekday), \(pad(day, 2)) \(months[month - 1]) \(pad(year, 4)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)) GMT"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInstanceResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let input = Input(bytes)
    let status = input.status
    let context = { "\nstatus \(status), headers \(input.headers), body \(escaped(input.body))" }

    // parse
    let parsed = InstanceResponseParser.parse(status: status, headers: input.headers, body: input.body)
    switch parsed {
    case .success(let object):
        fuzzCheck((200..<300).contains(status) && status != 202, "success for HTTP \(status)" + context())
        let written = JSONWriter.serialize(.object(object))
        guard let again = try? JSONParser.parse(written) else {
            fuzzFailure("the result object writes as invalid JSON: \(escaped(written))" + context())
        }
        fuzzCheck(again.root.value == .object(object), "the result object does not re-parse to itself: \(escaped(written))" + context())
    case .failure(.instance(let httpStatus, let message, let detail)):
        fuzzCheck(httpStatus == status, "failure with status \(httpStatus)" + context())
        fuzzCheck(!message.isEmpty && message.count <= 1200, "message of \(message.count) characters: \(message)" + context())
        fuzzCheck((detail?.count ?? 0) <= 1000, "detail of \(detail?.count ?? 0) characters" + context())
    case .failure(let other):
        fuzzFailure("a failure other than .instance: \(other)" + context())
    }

    // The JSON oracle.
    let contentTypes = header(input.headers, "content-type")
    let first = input.body.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
    // With several Content-Type spellings which one the parser reads is its choice; judge only one.
    let jsonPath = contentTypes.count <= 1 && ((contentTypes.first?.lowercased().contains("json") ?? false) || first == UInt8(ascii: "{"))
    if jsonPath, let document = try? JSONParser.parse(input.body), document.root.kind == .object {
        let root = document.root
        if let result = root["result"], result.kind == .object {
            let ok = (200..<300).contains(status) && status != 202 && result["status"]?.stringValue?.uppercased() == "SUCCESS"
            if ok {
                guard case .success(let object) = parsed else { fuzzFailure("no success for a SUCCESS result: \(parsed)" + context()) }
                fuzzCheck(.object(object) == result.value, "the result is not the body's result object: \(object)" + context())
            } else {
                guard case .failure = parsed else { fuzzFailure("success without a SUCCESS result in a 2xx" + context()) }
            }
        } else if status != 202, let error = root["error"], error.kind == .object,
                  let message = error["message"]?.stringValue, !message.isEmpty {
            guard case .failure(.instance(_, let got, _)) = parsed else { fuzzFailure("no failure for an error body: \(parsed)" + context()) }
            fuzzCheck(got == shortened(message, 1000), "message \(got) is not the body's \(message)" + context())
        }
    }

    // retryAdvice
    let advice = InstanceResponseParser.retryAdvice(status: status, headers: input.headers, body: input.body, now: now, maxDelay: input.maxDelay)
    if status != 429 && status != 503 {
        fuzzCheck(advice == .doNotRetry, "\(advice) for HTTP \(status)" + context())
    } else if status == 503 && header(input.headers, "retry-after").isEmpty && advice == .doNotRetry {
        // A 503 that is not the instance's own answer (a proxy's page) and has no Retry-After.
    } else {
        guard case .retry(let after) = advice else { fuzzFailure("no retry for HTTP \(status)" + context()) }
        if let after {
            fuzzCheck(after.isFinite && after >= 0 && after <= input.maxDelay, "retry after \(after) s, maxDelay \(input.maxDelay)" + context())
        }
        let values = header(input.headers, "retry-after")
        if values.count == 1 {
            let text = values[0].trimmingCharacters(in: .whitespaces)
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let digits = Double(text.count > 15 ? "999999999999999" : text)!
                fuzzCheck(after == min(digits, input.maxDelay), "retry after \(String(describing: after)) for Retry-After \(text)" + context())
            }
        }
    }

    // HTTPDate on every header value
    for value in input.headers.values {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard let date = HTTPDate.parse(text) else { continue }
        guard let written = imfFixdate(date) else { continue }
        let again = HTTPDate.parse(written)
        fuzzCheck(again == date, "HTTPDate: \(text) -> \(date) -> \(written) -> \(String(describing: again))" + context())
    }
    return 0
}
