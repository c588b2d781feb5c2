import JSON

/// Writes outgoing messages straight into bytes, without building an envelope value first.
public enum MessageEncoder {
    public static func response(id: RequestID, result: Result<JSONValue, ResponseError>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        appendResponse(id: id, result: result, into: &out)
        return out
    }

    public static func appendResponse(id: RequestID, result: Result<JSONValue, ResponseError>, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        JSONWriter.write(id.json, into: &out)
        switch result {
        case .success(let value):
            out.append(contentsOf: #","result":"#.utf8)
            JSONWriter.write(value, into: &out)
        case .failure(let error):
            out.append(contentsOf: #","error":"#.utf8)
            JSONWriter.write(error.json, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A success whose result is already JSON text (`Server.registerRaw(_:_:)`), spliced in as it is.
    public static func response(id: RequestID, encodedResult: Result<[UInt8], ResponseError>) -> [UInt8] {
        guard case .success(let result) = encodedResult else {
            if case .failure(let error) = encodedResult { return response(id: id, result: .failure(error)) }
            preconditionFailure()
        }
        var out: [UInt8] = []
        out.reserveCapacity(40 + result.count)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        JSONWriter.write(id.json, into: &out)
        out.append(contentsOf: #","result":"#.utf8)
        out.append(contentsOf: result)
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func notification(method: String, params: JSONValue?) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"jsonrpc":"2.0","method":"#.utf8)
        JSONWriter.writeString(method, into: &out)
        if let params {
            out.append(contentsOf: #","params":"#.utf8)
            JSONWriter.write(params, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Answers of one batch, as one array.
    public static func batch(_ responses: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, response) in responses.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: response)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
