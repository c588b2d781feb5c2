/// One member of the payload as the API reference describes it. The validator walks these for
/// names, types and required members; the editor reads the same tree for hover, completion and
/// generated JSON Schemas, so the two can never disagree.
///
/// A class because specs nest (an array's `element` is a spec) and are shared, never copied.
public final class MemberSpec: Sendable {
    public enum ValueType: String, Sendable {
        /// An object whose members are exactly `children`; any other name is unknown.
        case object
        /// An object of name → scalar (record fields, context variables). `children` lists the
        /// well-known names; others are allowed.
        case scalarMap
        /// Elements described by `element`.
        case array
        case string
        /// A string, number, boolean or null: what a record field can hold.
        case scalar
    }

    /// A textual form a value (or, for `keyFormat`, a member name) must take beyond its JSON type.
    public enum Format: String, Sendable {
        case e164 = "E.164"
        case sysId = "sys_id"
        case tableName = "table name"
        case columnName = "column name"
        case dateTime = "yyyy-MM-dd HH:mm:ss"
    }

    public let name: String
    public let type: ValueType
    public let requiredFor: Set<Operation>
    /// The API reference's description of the parameter.
    public let summary: String
    public let format: Format?
    /// For a `scalarMap`: the form its member names take.
    public let keyFormat: Format?
    /// The record field or table the value lands in.
    public let mapsTo: String?
    /// An empty string, an object without members: pointless or rejected.
    public let nonEmpty: Bool
    public let children: [MemberSpec]
    /// For an `array`: what each element is.
    public let element: MemberSpec?

    /// Bit per `Operation`, so the per-request required check does no hashing.
    let requiredMask: UInt8
    /// The UTF-8 of each child's name, so the validator matches keys without touching `String`s.
    let childNameBytes: [[UInt8]]

    public init(
        _ name: String, _ type: ValueType, requiredFor: Set<Operation> = [], summary: String,
        format: Format? = nil, keyFormat: Format? = nil, mapsTo: String? = nil, nonEmpty: Bool = false,
        children: [MemberSpec] = [], element: MemberSpec? = nil
    ) {
        self.name = name
        self.type = type
        self.requiredFor = requiredFor
        self.summary = summary
        self.format = format
        self.keyFormat = keyFormat
        self.mapsTo = mapsTo
        self.nonEmpty = nonEmpty
        self.children = children
        self.element = element
        requiredMask = requiredFor.reduce(0) { $0 | Self.bit($1) }
        childNameBytes = children.map { Array($0.name.utf8) }
    }

    public func isRequired(for operation: Operation) -> Bool { requiredMask & Self.bit(operation) != 0 }

    public func child(named name: String) -> MemberSpec? { children.first { $0.name == name } }

    /// Whether the names in `children` are the only ones allowed.
    public var isClosed: Bool { type == .object }

    @inline(__always) static func bit(_ operation: Operation) -> UInt8 {
        switch operation {
        case .create: 1
        case .update: 2
        }
    }
}
