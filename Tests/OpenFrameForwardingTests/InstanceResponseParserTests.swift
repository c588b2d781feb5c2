import Foundation
import JSON
import Testing

@testable import OpenFrameForwarding

@Suite("Instance response parser")
struct InstanceResponseParserTests {
    static let json = ["Content-Type": "application/json;charset=UTF-8"]
    static let xml = ["content-type": "application/xml;charset=UTF-8"]

    func parse(_ status: Int, _ headers: [String: String], _ body: String) -> Result<JSONObject, ForwardingError> {
        InstanceResponseParser.parse(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test("success, JSON")
    func successJSON() throws {
        let result = try parse(
            200, Self.json, #"{"result":{"status":"SUCCESS","sysId":"12961fff7fb2d2102d0cd3cf8c86652b","number":"IMS0000052"}}"#
        ).get()
        #expect(result == ["status": "SUCCESS", "sysId": "12961fff7fb2d2102d0cd3cf8c86652b", "number": "IMS0000052"])
        #expect(result.keys == ["status", "sysId", "number"])
        // No content type, pretty printed, extra members kept.
        let loose = try parse(201, [:], "\n{ \"result\" : { \"status\" : \"SUCCESS\", \"extra\": [1, true] } }\n").get()
        #expect(loose == ["status": "SUCCESS", "extra": [1, true]])
    }

    @Test("success, XML")
    func successXML() throws {
        let body =
            #"<?xml version="1.0" encoding="UTF-8"?><response><result><status>SUCCESS</status><sysId>12961fff7fb2d2102d0cd3cf8c86652b</sysId><number>IMS0000052</number></result></response>"#
        let result = try parse(200, Self.xml, body).get()
        #expect(result == ["status": "SUCCESS", "sysId": "12961fff7fb2d2102d0cd3cf8c86652b", "number": "IMS0000052"])
        let indented =
            "<response>\n  <result>\n    <status>SUCCESS</status>\n    <list><element>a &amp; b</element><element/></list>\n  </result>\n</response>"
        #expect(try parse(200, [:], indented).get() == ["status": "SUCCESS", "list": ["a & b", ""]])
    }

    @Test("ServiceNow error, JSON and XML")
    func serviceNowErrors() {
        #expect(
            parse(
                404, Self.json,
                #"{"error":{"message":"No Record found","detail":"Record doesn't exist or ACL restricts the record retrieval"},"status":"failure"}"#
            )
                == .failure(
                    .instance(
                        httpStatus: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval")))
        #expect(
            parse(
                400, Self.json, #"{"error":{"message":"Requested URI does not represent any resource","detail":null},"status":"failure"}"#)
                == .failure(.instance(httpStatus: 400, message: "Requested URI does not represent any resource", detail: nil)))
        #expect(
            parse(
                500, Self.xml,
                #"<?xml version="1.0" encoding="UTF-8"?><response><error><message>Internal server error</message><detail>An unexpected error occurred</detail></error><status>failure</status></response>"#
            )
                == .failure(.instance(httpStatus: 500, message: "Internal server error", detail: "An unexpected error occurred")))
        #expect(
            parse(
                400, Self.xml, "<response><error><message>Bad &lt;thing&gt;</message><detail/></error><status>failure</status></response>")
                == .failure(.instance(httpStatus: 400, message: "Bad <thing>", detail: nil)))
        // An error body with a 200 is still an error.
        #expect(
            parse(200, Self.json, #"{"error":{"message":"Odd","detail":"x"},"status":"failure"}"#)
                == .failure(.instance(httpStatus: 200, message: "Odd", detail: "x")))
        // Non-string detail is shown as JSON.
        #expect(
            parse(400, Self.json, #"{"error":{"message":"Bad","detail":{"field":"x"}},"status":"failure"}"#)
                == .failure(.instance(httpStatus: 400, message: "Bad", detail: #"{"field":"x"}"#)))
    }

    @Test("an HTML page from a proxy: shortened, tags stripped, at most 200 characters")
    func htmlProxyPage() throws {
        let paragraph = String(repeating: "The upstream server is not answering. ", count: 20)
        let html = """
            <!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body { color: red; }</style>
            <script>var secret = "do not show";</script></head>
            <body><h1>502 Bad Gateway</h1><!-- a comment --><p>\(paragraph)</p><p>nginx &amp; friends</p></body></html>
            """
        guard case .failure(.instance(let status, let message, let detail)) = parse(502, ["Content-Type": "text/html"], html) else {
            Issue.record("expected an instance error"); return
        }
        #expect(status == 502)
        #expect(detail == nil)
        let prefix = "HTTP 502 from the instance, with a body that is not a ServiceNow error: "
        #expect(message.hasPrefix(prefix + "502 Bad Gateway 502 Bad Gateway The upstream server"))
        let excerpt = message.dropFirst(prefix.count)
        #expect(excerpt.count <= 200)
        #expect(excerpt.hasSuffix("…"))
        for leftover in ["<", ">", "color: red", "do not show", "comment"] { #expect(!excerpt.contains(leftover), "\(leftover)") }
        // Short pages are shown whole, entities decoded.
        #expect(
            parse(504, ["content-type": "text/html"], "<html><body><h1>504 Gateway Time-out</h1><p>a &amp; b</p></body></html>")
                == .failure(
                    .instance(
                        httpStatus: 504,
                        message: "HTTP 504 from the instance, with a body that is not a ServiceNow error: 504 Gateway Time-out a & b",
                        detail: nil)))
    }

    @Test("empty, garbage and malformed bodies")
    func notServiceNow() {
        #expect(
            parse(502, [:], "")
                == .failure(
                    .instance(
                        httpStatus: 502, message: "HTTP 502 from the instance, with a body that is not a ServiceNow error: (empty body)",
                        detail: nil)))
        #expect(
            parse(500, Self.json, #"{"error": {"message": "trunc"#)
                == .failure(
                    .instance(
                        httpStatus: 500,
                        message: #"HTTP 500 from the instance, with a body that is not a ServiceNow error: {"error": {"message": "trunc"#,
                        detail: nil)))
        #expect(
            parse(200, Self.json, #"{"result": "#)
                == .failure(
                    .instance(
                        httpStatus: 200, message: #"HTTP 200 from the instance, with a body that is not a ServiceNow result: {"result":"#,
                        detail: nil)))
        #expect(
            parse(200, Self.json, "[1,2]")
                == .failure(
                    .instance(
                        httpStatus: 200, message: "HTTP 200 from the instance, with a body that is not a ServiceNow result: [1,2]",
                        detail: nil)))
        #expect(
            parse(200, Self.json, "")
                == .failure(
                    .instance(
                        httpStatus: 200, message: "HTTP 200 from the instance, with a body that is not a ServiceNow result: (empty body)",
                        detail: nil)))
        #expect(
            parse(204, [:], "")
                == .failure(
                    .instance(
                        httpStatus: 204, message: "HTTP 204 from the instance, with a body that is not a ServiceNow result: (empty body)",
                        detail: nil)))
        #expect(
            parse(503, Self.xml, "<response><what/></response>")
                == .failure(
                    .instance(
                        httpStatus: 503,
                        message: "HTTP 503 from the instance, with a body that is not a ServiceNow error: (no readable text)", detail: nil))
        )
        // Binary garbage never crashes and prints as text.
        let garbage: [UInt8] = [0xFF, 0xFE, 0x00, 0x01, 0x41, 0x42, 0xC3, 0x28, 0x0A, 0x43]
        guard case .failure(.instance(502, let message, nil)) = InstanceResponseParser.parse(status: 502, headers: [:], body: garbage)
        else {
            Issue.record("expected an instance error"); return
        }
        #expect(message == "HTTP 502 from the instance, with a body that is not a ServiceNow error: AB ( C")
    }

    @Test("XML that is not UTF-8 (or once crashed FoundationXML: invalid UTF-8 in a name) is refused, not parsed")
    func xmlCrashers() {
        let crashers: [[UInt8]] = [
            Array("<response><error><message>x</message><a".utf8) + [0xEE] + Array("/></error></response>".utf8),
            Array("<r><".utf8) + [0xEE] + Array("{:x>".utf8),
            Array(#"<?xml version="1.0" encoding="UTF-16"?><response><error><message>x</message></error></response>"#.utf8),
            Array("<response><error><message>a\u{0}b</message></error></response>".utf8) + [0],
        ]
        for body in crashers {
            guard case .failure(.instance(500, let message, nil)) = InstanceResponseParser.parse(status: 500, headers: Self.xml, body: body)
            else {
                Issue.record("expected an instance error for \(body)"); continue
            }
            #expect(message.hasPrefix("HTTP 500 from the instance, with a body that is not a ServiceNow error: "))
        }
        #expect(InstanceXMLReader.parse(Array(#"<?xml version="1.0" encoding="utf-8"?><r/>"#.utf8)) != nil)
    }

    @Test("202 is never success")
    func accepted() {
        #expect(
            parse(202, Self.json, #"{"result":{"status":"QUEUED"}}"#)
                == .failure(
                    .instance(
                        httpStatus: 202,
                        message:
                            "HTTP 202 from the instance: the request was accepted but not processed; it is not known whether the instance will act on it",
                        detail: "result.status: QUEUED")))
        #expect(parse(202, Self.json, #"{"result":{"status":"SUCCESS","sysId":"x"}}"#).isFailure)
        #expect(parse(202, [:], "").isFailure)
    }

    @Test("a 2xx whose result.status is not SUCCESS")
    func resultStatusNotSuccess() throws {
        #expect(
            parse(200, Self.json, #"{"result":{"status":"FAILURE"}}"#)
                == .failure(
                    .instance(
                        httpStatus: 200, message: #"HTTP 200 from the instance, but result.status is "FAILURE", not SUCCESS"#,
                        detail: #"{"status":"FAILURE"}"#)))
        #expect(
            parse(200, Self.json, #"{"result":{"sysId":"x"}}"#)
                == .failure(
                    .instance(
                        httpStatus: 200, message: "HTTP 200 from the instance, but result.status is missing, not SUCCESS",
                        detail: #"{"sysId":"x"}"#)))
        #expect(
            parse(200, Self.json, #"{"result":{"status":1}}"#)
                == .failure(
                    .instance(
                        httpStatus: 200, message: "HTTP 200 from the instance, but result.status is not a string, not SUCCESS",
                        detail: #"{"status":1}"#)))
        #expect(parse(200, Self.xml, "<response><result><status>FAILURE</status></result></response>").isFailure)
        #expect(try parse(200, Self.json, #"{"result":{"status":"success"}}"#).get() == ["status": "success"])
    }

    @Test("a redirect names where it pointed")
    func redirect() {
        #expect(
            parse(302, ["Location": "https://login.example.com/sso"], "")
                == .failure(
                    .instance(
                        httpStatus: 302,
                        message:
                            "HTTP 302 from the instance: a redirect to https://login.example.com/sso, not followed (redirects are never followed; check the instance URL)",
                        detail: nil)))
    }

    @Test("XML with a DOCTYPE is not read")
    func doctypeRefused() {
        let body = #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><response><error><message>&x;</message></error></response>"#
        guard case .failure(.instance(500, let message, nil)) = parse(500, Self.xml, body) else {
            Issue.record("expected an instance error"); return
        }
        #expect(message.hasPrefix("HTTP 500 from the instance, with a body that is not a ServiceNow error"))
    }

    @Test("fuzz: random bodies never crash and always give an instance error or a result")
    func fuzz() {
        var generator = SplitMix64(seed: 0x5EED)
        let fragments = [
            "{", "}", "[", "]", "\"result\"", "\"error\"", ":", ",", "\"status\"", "\"SUCCESS\"", "<response>", "</response>",
            "<result>", "</result>", "<error>", "<message>", "</message>", "<!--", "&amp;", "&", "\u{0}", "\u{FFFD}", "é", "<", ">", "null",
        ]
        for _ in 0..<3000 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                if Bool.random(using: &generator) {
                    body += Array(fragments.randomElement(using: &generator)!.utf8)
                } else {
                    body.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            let status = [200, 201, 202, 204, 302, 400, 401, 404, 429, 500, 502, 503].randomElement(using: &generator)!
            let headers = [[:], Self.json, Self.xml, ["Content-Type": "text/html"]].randomElement(using: &generator)!
            switch InstanceResponseParser.parse(status: status, headers: headers, body: body) {
            case .success(let result):
                #expect((200..<300).contains(status) && status != 202)
                #expect(result["status"]?.stringValue?.uppercased() == "SUCCESS")
            case .failure(.instance(let reported, let message, _)):
                #expect(reported == status)
                #expect(!message.isEmpty)
            case .failure(let other):
                Issue.record("unexpected \(other)")
            }
        }
    }

    // MARK: retry advice

    @Test("retry advice: only 429 and 503, Retry-After honoured and capped")
    func retryAdvice() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        func advice(_ status: Int, _ retryAfter: String?) -> RetryAdvice {
            InstanceResponseParser.retryAdvice(
                status: status, headers: retryAfter.map { ["Retry-After": $0] } ?? [:], body: Self.serviceNowError, now: now, maxDelay: 60)
        }
        #expect(advice(429, "2") == .retry(afterSeconds: 2))
        #expect(advice(503, "0") == .retry(afterSeconds: 0))
        #expect(advice(503, nil) == .retry(afterSeconds: nil))
        #expect(advice(429, "soon") == .retry(afterSeconds: nil))
        #expect(advice(429, "3600") == .retry(afterSeconds: 60))
        let inTen = HTTPDateFormatting.imf(now.addingTimeInterval(10))
        #expect(advice(503, inTen) == .retry(afterSeconds: 10))
        #expect(advice(503, HTTPDateFormatting.imf(now.addingTimeInterval(-100))) == .retry(afterSeconds: 0))
        for status in [200, 202, 400, 401, 404, 500, 502, 504] {
            #expect(advice(status, "1") == .doNotRetry, "\(status)")
        }
        #expect(
            InstanceResponseParser.retryAdvice(status: 429, headers: ["retry-after": "5"], body: [], now: now) == .retry(afterSeconds: 5))
    }

    static let serviceNowError = Array(#"{"error":{"message":"Service Unavailable","detail":null},"status":"failure"}"#.utf8)

    @Test(
        "a 503 that is not the instance's own answer and has no Retry-After is not retried (a proxy's page may follow an upstream that acted)"
    )
    func proxy503NotRetried() {
        let html = Array("<html><body>upstream connect error or disconnect/reset before headers</body></html>".utf8)
        #expect(InstanceResponseParser.retryAdvice(status: 503, headers: ["Content-Type": "text/html"], body: html) == .doNotRetry)
        #expect(InstanceResponseParser.retryAdvice(status: 503, headers: [:], body: []) == .doNotRetry)
        #expect(
            InstanceResponseParser.retryAdvice(status: 503, headers: ["Content-Type": "text/html", "Retry-After": "1"], body: html)
                == .retry(afterSeconds: 1))
        #expect(
            InstanceResponseParser.retryAdvice(status: 503, headers: ["Content-Type": "application/json"], body: Self.serviceNowError)
                == .retry(afterSeconds: nil))
        let xml = Array(
            "<?xml version=\"1.0\"?><response><error><message>down</message><detail/></error><status>failure</status></response>".utf8)
        #expect(
            InstanceResponseParser.retryAdvice(status: 503, headers: ["Content-Type": "application/xml"], body: xml)
                == .retry(afterSeconds: nil))
        // 429 asks for less traffic whoever sends it.
        #expect(InstanceResponseParser.retryAdvice(status: 429, headers: [:], body: html) == .retry(afterSeconds: nil))
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { return true } else { return false } }
}

/// A deterministic generator for fuzzing and jitter tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// IMF-fixdate for tests, written independently of the parser.
enum HTTPDateFormatting {
    static func imf(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
