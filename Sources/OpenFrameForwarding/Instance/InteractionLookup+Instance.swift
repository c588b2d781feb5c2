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

extension InstanceEndpoint {
    /// `{base}/api/now/table/interaction?sysparm_query=client_session_id=<id>&sysparm_fields=sys_id,number,client_session_id&sysparm_limit=2`
    func interactionLookupURL(clientSessionId: String) throws(ForwardingError) -> URL {
        var query: [UInt8] = []
        FormEncoding.percentEncode("client_session_id=" + clientSessionId, into: &query)
        let text =
            baseURL.absoluteString + "/api/now/table/interaction?sysparm_query=" + String(decoding: query, as: UTF8.self)
            + "&sysparm_fields=sys_id,number,client_session_id&sysparm_limit=2"
        guard let url = URL(string: text) else { throw .configuration("cannot form the Table API URL from the instance base URL") }
        return url
    }
}

extension InstanceClient {
    /// The Table API lookup the outbox makes before it would re-send a create whose outcome is unknown.
    /// Same transport, credentials and OAuth refresh (once, on a 401) as the forwards; JSON only, one attempt
    /// (the outbox decides when to ask again). Needs read access to the `interaction` table's
    /// sys_id, number and client_session_id; a 403 comes back as `.instance(httpStatus: 403, …)`.
    public func findInteraction(clientSessionId: String) async throws(ForwardingError) -> InteractionLookup {
        // `^` separates conditions in an encoded query: such an id could widen the query, so it is not looked up.
        if clientSessionId.contains("^") || clientSessionId.contains(where: \.isNewline) {
            return .inconclusive(reason: "the clientSessionId contains '^' or a line break, which an encoded query cannot carry safely")
        }
        let url = try endpoint.interactionLookupURL(clientSessionId: clientSessionId)
        // Lookups share --max-concurrent-forwards with the forwards: after an outage many may be due at once.
        try await limiter.acquire { _ in }
        defer { limiter.release() }
        var rejectedToken: String?
        var refreshed = false
        while true {
            if Task.isCancelled { throw .cancelled }
            var headers: [(name: String, value: String)] = [
                (name: "Accept", value: "application/json"), (name: "User-Agent", value: configuration.userAgent),
            ]
            var tokenUsed: String?
            if let tokens {
                do {
                    tokenUsed = try await tokens.accessToken(rejecting: rejectedToken)
                } catch {
                    throw scrubber.scrub(error.error, extra: tokens.currentSecrets)
                }
            }
            if let credentials = credentialHeader(oauthToken: tokenUsed) { headers.append(credentials) }
            let request = HTTPExchangeRequest(method: "GET", url: url, headers: headers, body: [], timeout: configuration.requestTimeout)
            let response: HTTPExchangeResponse
            do {
                response = try await transport.send(request, onSent: {})
            } catch {
                if error == .cancelled { throw .cancelled }
                let reason =
                    "looking up the interaction on \(host): "
                    + error.reason(host: host, timeout: configuration.requestTimeout, operation: .token)
                log?("GET \(endpoint.baseURL.absoluteString)/api/now/table/interaction: \(reason)")
                throw scrubber.scrub(.unreachable(reason: reason, mayHaveActed: false), extra: tokens?.currentSecrets ?? [])
            }
            log?("GET \(endpoint.baseURL.absoluteString)/api/now/table/interaction: HTTP \(response.status)")
            if response.status == 401, tokens != nil, !refreshed {
                refreshed = true
                rejectedToken = tokenUsed
                continue
            }
            guard (200..<300).contains(response.status) else {
                switch InstanceResponseParser.parse(status: response.status, headers: response.headers, body: response.body) {
                case .failure(let error): throw scrubber.scrub(error, extra: tokens?.currentSecrets ?? [])
                case .success:
                    throw .instance(httpStatus: response.status, message: "unexpected answer to the Table API lookup", detail: nil)
                }
            }
            guard let document = try? JSONParser.parse(response.body), let rows = document.root["result"], rows.kind == .array,
                case .array(let values) = rows.value
            else {
                throw .instance(
                    httpStatus: response.status, message: "the Table API lookup's answer has no result array",
                    detail: InstanceResponseParser.shorten(String(decoding: response.body.prefix(400), as: UTF8.self), 200))
            }
            return InteractionLookup.decide(rows: values, clientSessionId: clientSessionId)
        }
    }
}
