import JSON
import JSONRPC
import OpenFrame

/// `openframe/schema`: the JSON Schema of the create or the update payload, or both
/// (`{"create": …, "update": …}`) when no operation is given. The same schemas are checked in under `schema/`.
enum SchemaMethod {
    static let name = "openframe/schema"

    static func handle(_ context: RequestContext) throws -> JSONValue {
        let parameters = context.parameters
        // No params, or null, asks for both.
        guard let params = context.params, !params.isNull else { return both() }
        try parameters.rejectUnknown(allowed: ["operation"])
        guard params["operation"] != nil else { return both() }
        return JSONSchemaGenerator.schema(for: try OperationParam.read(parameters))
    }

    static func both() -> JSONValue {
        .object(JSONObject(Operation.allCases.map { (key: $0.rawValue, value: JSONSchemaGenerator.schema(for: $0)) }))
    }
}
