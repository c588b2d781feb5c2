import JSON

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

/// Whether a failed answer may be retried.
public enum RetryAdvice: Sendable, Equatable {
    /// The instance may have acted, or asking again will not help.
    case doNotRetry
    /// The instance did not act and told us to come back (429, 503): after `afterSeconds`
    /// (from `Retry-After`, capped), or after the client's backoff when nil.
    case retry(afterSeconds: Double?)
}

/// Turns one HTTP answer from the openframe API into the `result` object or a
/// `ForwardingError.instance`. Pure and total: any status, headers and bytes give an answer,
/// never a crash, so it can be fuzzed.
///
/// - 2xx other than 202 with `{"result": {"status": "SUCCESS", …}}` (or the XML
///   `<response><result>…</result></response>`) → the result object.
/// - 2xx whose `result.status` is not SUCCESS, and any 202 (accepted, not processed) → `.instance`.
/// - A ServiceNow error body, JSON `{"error": {"message", "detail"}, "status": "failure"}` or
///   XML `<response><error><message/><detail/></error><status>failure</status></response>`,
///   with any status → `.instance(status, message, detail)`.
/// - Anything else (a proxy's HTML page, an empty body, garbage) → `.instance(status,
///   "HTTP 502 from the instance, with a body that is not a ServiceNow error: <excerpt>", nil)`
///   where the excerpt has its tags stripped and is at most 200 characters.
/// - A 3xx (redirects are never followed) names its `Location`.
///
/// Header names may be in any letter case.
public enum InstanceResponseParser {
    /// Longest message or detail kept from an instance's error body.
    static let textLimit = 1000

    public static func parse(status: Int, headers: [String: String], body: [UInt8]) -> Result<JSONObject, ForwardingError> {
        let headers = lowercased(headers)
        let content = classify(contentType: headers["content-type"], body: body)

        if status == 202 {
            var detail: String?
            if case .result(let result) = content { detail = result["status"]?.stringValue.map { "result.status: \($0)" } }
            return .failure(
                .instance(
                    httpStatus: 202,
                    message:
                        "HTTP 202 from the instance: the request was accepted but not processed; it is not known whether the instance will act on it",
                    detail: detail))
        }

        if (200..<300).contains(status) {
            switch content {
            case .result(let result):
                let resultStatus = result["status"]
                if let text = resultStatus?.stringValue, text.uppercased() == "SUCCESS" { return .success(result) }
                let shown = resultStatus.map { $0.stringValue.map { "\"\(shorten($0, 60))\"" } ?? "not a string" } ?? "missing"
                return .failure(
                    .instance(
                        httpStatus: status,
                        message: "HTTP \(status) from the instance, but result.status is \(shown), not SUCCESS",
                        detail: shorten(JSONValue.object(result).jsonString, textLimit)))
            case .error(let message, let detail):
                return .failure(.instance(httpStatus: status, message: message, detail: detail))
            case .other:
                return .failure(
                    .instance(
                        httpStatus: status,
                        message: "HTTP \(status) from the instance, with a body that is not a ServiceNow result: \(BodySnippet.make(body))",
                        detail: nil))
            }
        }

        switch content {
        case .error(let message, let detail):
            return .failure(.instance(httpStatus: status, message: message, detail: detail))
        case .result(let result) where !(300..<400).contains(status):
            let resultStatus = result["status"]?.stringValue.map { shorten($0, 60) } ?? "none"
            return .failure(
                .instance(
                    httpStatus: status,
                    message: "HTTP \(status) from the instance (result.status \(resultStatus))",
                    detail: shorten(JSONValue.object(result).jsonString, textLimit)))
        default:
            if (300..<400).contains(status) {
                let location = headers["location"].map { " to \(shorten(BodySnippet.make(Array($0.utf8)), 200))" } ?? ""
                return .failure(
                    .instance(
                        httpStatus: status,
                        message:
                            "HTTP \(status) from the instance: a redirect\(location), not followed (redirects are never followed; check the instance URL)",
                        detail: nil))
            }
            return .failure(
                .instance(
                    httpStatus: status,
                    message: "HTTP \(status) from the instance, with a body that is not a ServiceNow error: \(BodySnippet.make(body))",
                    detail: nil))
        }
    }

    /// 429 and 503 mean "not now": retry, after `Retry-After` (delay-seconds or HTTP-date,
    /// capped at `maxDelay`) or, without a usable one, after backoff. Anything else: no retry.
    ///
    /// A 503 is retried only when it is the instance's own answer (a ServiceNow error or result
    /// body) or carries `Retry-After`: a proxy's 503 page ("upstream connect error or
    /// disconnect/reset") can follow an upstream that already acted.
    public static func retryAdvice(
        status: Int, headers: [String: String], body: [UInt8], now: Date = Date(), maxDelay: Double = 60
    ) -> RetryAdvice {
        guard status == 429 || status == 503 else { return .doNotRetry }
        let headers = lowercased(headers)
        if status == 503, headers["retry-after"] == nil {
            switch classify(contentType: headers["content-type"], body: body) {
            case .error, .result: break
            case .other: return .doNotRetry
            }
        }
        guard let value = headers["retry-after"], let seconds = RetryAfter.seconds(value, now: now) else {
            return .retry(afterSeconds: nil)
        }
        return .retry(afterSeconds: min(max(0, seconds), maxDelay))
    }

    // MARK: body classification

    enum Content: Equatable {
        case result(JSONObject)
        case error(message: String, detail: String?)
        case other
    }

    static func classify(contentType: String?, body: [UInt8]) -> Content {
        // Byte search (TextEditing): the standard library's generic `contains` costs ~4 % of a create.
        let type = contentType ?? ""
        let first = body.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
        if type.firstRange(of: "json", asciiCaseInsensitive: true) != nil || first == UInt8(ascii: "{") {
            if let content = classifyJSON(body) { return content }
        }
        if type.firstRange(of: "xml", asciiCaseInsensitive: true) != nil || first == UInt8(ascii: "<") {
            if let content = classifyXML(body) { return content }
        }
        return .other
    }

    private static func classifyJSON(_ body: [UInt8]) -> Content? {
        guard let document = try? JSONParser.parse(body), document.root.kind == .object else { return nil }
        let root = document.root
        if let result = root["result"], result.kind == .object, case .object(let object) = result.value {
            return .result(object)
        }
        if let error = root["error"] {
            switch error.kind {
            case .object:
                let message = text(error["message"]) ?? "The instance reported an error without a message"
                return .error(message: message, detail: text(error["detail"]))
            case .string:
                // OAuth style: {"error": "access_denied", "error_description": "…"}
                let code = error.stringValue ?? ""
                if let description = text(root["error_description"]) {
                    return .error(message: "\(shorten(code, 100)): \(description)", detail: nil)
                }
                return .error(message: shorten(code, textLimit), detail: nil)
            default:
                return nil
            }
        }
        return nil
    }

    private static func classifyXML(_ body: [UInt8]) -> Content? {
        guard let root = InstanceXMLReader.parse(body), root.name == "response" else { return nil }
        if let result = root.child("result") { return .result(result.jsonObject) }
        if let error = root.child("error") {
            let message = error.child("message").map(\.text).flatMap { $0.isEmpty ? nil : shorten($0, textLimit) }
            let detail = error.child("detail").map(\.text).flatMap { $0.isEmpty ? nil : shorten($0, textLimit) }
            return .error(message: message ?? "The instance reported an error without a message", detail: detail)
        }
        return nil
    }

    /// A string member as text; other JSON values as their compact JSON; null/absent as nil.
    private static func text(_ node: JSONNode?) -> String? {
        guard let node, !node.isNull else { return nil }
        if let string = node.stringValue { return string.isEmpty ? nil : shorten(string, textLimit) }
        return shorten(node.value.jsonString, textLimit)
    }

    static func shorten(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    private static func lowercased(_ headers: [String: String]) -> [String: String] {
        Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
