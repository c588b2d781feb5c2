import JSON

/// A small element tree read from an XML answer: names, child elements, text.
/// Attributes are read (for well-formedness) and dropped: ServiceNow answers carry none that matter.
public struct XMLElementTree: Sendable, Equatable {
    public var name: String
    public var children: [XMLElementTree]
    /// The element's character data (text, references and CDATA, in order), or "" when it has
    /// child elements (the whitespace between them is layout).
    public var text: String

    public init(name: String, children: [XMLElementTree] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    public func child(_ name: String) -> XMLElementTree? { children.first { $0.name == name } }

    /// The stand-in's mapping read backwards: an element with children is an object (or an
    /// array when all children are `<element>`), an element without is its text as a string.
    /// Recursion is bounded by the reader's depth limit.
    public var jsonValue: JSONValue {
        if children.isEmpty { return .string(text) }
        if children.allSatisfy({ $0.name == "element" }) { return .array(children.map(\.jsonValue)) }
        return .object(JSONObject(children.map { (key: $0.name, value: $0.jsonValue) }))
    }

    /// `<result>` read as an object (an empty `<result/>` is an empty object).
    public var jsonObject: JSONObject {
        if case .object(let object) = jsonValue { return object }
        return JSONObject()
    }
}
