import JSON
import Testing

@testable import OpenFrame

/// The API reference's own examples must pass: a validator that rejects them is wrong, not they.
struct ExampleTests {
    @Test func createExampleIsValidWithOneWarning() throws {
        let report = Validator.validate(text: try Examples.create, operation: .create, interactionSysId: nil)
        #expect(report.isValid)
        // The reference's "+1303506536" has 9 digits after +1: worth a warning, not a rejection.
        #expect(report.diagnostics.map(\.code) == [.impossiblePhoneNumber])
        #expect(report.diagnostics.first?.path == "/interaction/userPhoneNumber")
        #expect(report.diagnostics.first?.severity == .warning)
    }

    @Test func updateExampleIsCleanWithTheReferenceSysId() throws {
        let report = Validator.validate(text: try Examples.update, operation: .update, interactionSysId: sysId)
        #expect(report.isValid)
        #expect(report.diagnostics.isEmpty)
    }

    @Test(arguments: OpenFrame.Operation.allCases)
    func updateExampleNeedsOnlyTheNumberToCreate(_ operation: OpenFrame.Operation) throws {
        let report = Validator.validate(text: try Examples.update, operation: operation, interactionSysId: sysId)
        #expect(report.isValid == (operation == .update))
        #expect(report.diagnostics.map(\.code) == (operation == .create ? [.missingMember] : []))
    }

    /// A sanity check that the hot path has no pathological cost; timing is for benchmarks.
    @Test func validatesTheExampleTenThousandTimes() throws {
        let text = try Examples.create
        var warnings = 0
        for _ in 0..<10_000 {
            warnings += Validator.validate(text: text, operation: .create, interactionSysId: nil).diagnostics.count
        }
        #expect(warnings == 10_000)
    }
}
