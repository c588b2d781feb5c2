import JSON
import Testing

@testable import OpenFrame

struct PayloadSchemaTests {
    @Test func membersAsTheReferenceNamesThem() {
        #expect(PayloadSchema.root.children.map(\.name) == ["interaction", "interactionContext", "phoneLogs", "relatedRecords"])
        #expect(
            PayloadSchema.interaction.children.map(\.name) == [
                "userPhoneNumber", "clientSessionId", "callbackPhoneNumber", "inboundId", "additionalParams",
            ])
        #expect(PayloadSchema.relatedRecord.children.map(\.name) == ["documentTable", "documentId"])
        #expect(PayloadSchema.phoneLogs.element === PayloadSchema.phoneLog)
        #expect(PayloadSchema.relatedRecords.element === PayloadSchema.relatedRecord)
    }

    struct Place: Sendable {
        var pointer: String
        var type: MemberSpec.ValueType
        var required: Set<OpenFrame.Operation>
    }

    @Test(arguments: [
        Place(pointer: "/interaction", type: .object, required: [.create, .update]),
        Place(pointer: "/interaction/userPhoneNumber", type: .string, required: [.create]),
        Place(pointer: "/interaction/callbackPhoneNumber", type: .string, required: []),
        Place(pointer: "/interaction/additionalParams", type: .scalarMap, required: []),
        Place(pointer: "/interactionContext", type: .scalarMap, required: []),
        Place(pointer: "/phoneLogs", type: .array, required: []),
        Place(pointer: "/phoneLogs/0", type: .scalarMap, required: []),
        Place(pointer: "/phoneLogs/0/start_time", type: .scalar, required: []),
        Place(pointer: "/relatedRecords/3/documentId", type: .string, required: [.create, .update]),
    ])
    func typesAndRequirements(_ place: Place) throws {
        let spec = try #require(PayloadSchema.spec(at: JSONPointer(parsing: place.pointer)!))
        #expect(spec.type == place.type)
        #expect(spec.requiredFor == place.required)
        for operation in OpenFrame.Operation.allCases {
            #expect(spec.isRequired(for: operation) == place.required.contains(operation))
        }
    }

    @Test(arguments: [
        "/nope", "/interaction/nope", "/phoneLogs/x", "/phoneLogs/-1", "/phoneLogs/01", "/interaction/inboundId/x",
        "/interaction/additionalParams/short_description",
    ])
    func unknownPlaces(_ pointer: String) {
        #expect(PayloadSchema.spec(at: JSONPointer(parsing: pointer)!) == nil)
    }

    @Test func formatsAndMappings() {
        #expect(PayloadSchema.userPhoneNumber.format == .e164)
        #expect(PayloadSchema.callbackPhoneNumber.format?.rawValue == "E.164")
        #expect(PayloadSchema.callbackPhoneNumber.mapsTo?.contains("caller_phone_number") == true)
        #expect(PayloadSchema.phoneLogs.mapsTo == "Phone Log [sn_open_frame_phone_log] table")
        #expect(PayloadSchema.inboundId.mapsTo?.contains("sys_cs_provider_application") == true)
        #expect(PayloadSchema.documentTable.format == .tableName)
        #expect(PayloadSchema.documentId.format == .sysId)
        #expect(PayloadSchema.additionalParams.keyFormat == .columnName)
        #expect(PayloadSchema.phoneLog.keyFormat == .columnName)
        #expect(PayloadSchema.interactionContext.keyFormat == nil)
        #expect(PayloadSchema.phoneLog.child(named: "end_time")?.format == .dateTime)
        #expect(PayloadSchema.interactionSysId.requiredFor == [.update])
        #expect(PayloadSchema.interaction.summary.contains("At least one parameter must be passed"))
    }

    @Test func everyMemberIsDescribed() {
        func walk(_ spec: MemberSpec) -> [MemberSpec] {
            [spec] + spec.children.flatMap(walk) + (spec.element.map(walk) ?? [])
        }
        for spec in walk(PayloadSchema.root) + [PayloadSchema.interactionSysId] {
            #expect(!spec.summary.isEmpty, "\(spec.name)")
            #expect(spec.element == nil || spec.type == .array, "\(spec.name)")
            #expect(spec.type != .array || spec.element != nil, "\(spec.name)")
            #expect(spec.children.count < 64, "\(spec.name): the validator tracks presence in 64 bits")
        }
    }
}
