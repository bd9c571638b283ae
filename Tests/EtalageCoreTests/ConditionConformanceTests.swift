import EtalageCore
import Testing

/// GrowthBook's `evalCondition` section: `[name, condition, attributes, expected, savedGroups?]`.
@Suite(.enabled(if: GrowthBookCases.isAvailable, "growthbook-cases/cases.json not found"))
struct ConditionConformanceTests {
    struct Case {
        var name: String
        var condition: JSON
        var attributes: JSON
        var expected: Bool
        var savedGroups: [String: JSON]
    }

    static func cases() throws -> [Case] {
        let tuples = try #require(GrowthBookCases.section("evalCondition"))
        return try tuples.enumerated().map { index, tuple in
            let t = try #require(tuple.arrayValue, "evalCondition #\(index) is not an array")
            try #require(t.count >= 4, "evalCondition #\(index) has \(t.count) elements")
            return Case(
                name: try #require(t[0].stringValue),
                condition: t[1],
                attributes: t[2],
                expected: try #require(t[3].boolValue as Bool?),
                savedGroups: t.count > 4 ? (t[4].objectValue ?? [:]) : [:]
            )
        }
    }

    /// The lenient compile path mirrors the SDK, so every case must pass.
    @Test func sdkCasesPassWithLenientCompile() throws {
        let cases = try Self.cases()
        var failures: [String] = []
        for (index, c) in cases.enumerated() {
            let condition = Condition(lenient: c.condition)
            let result = condition.evaluate(c.attributes, savedGroups: c.savedGroups)
            let compiledGroupsResult = condition.evaluate(c.attributes, savedGroups: SavedGroups(c.savedGroups))
            if result != c.expected || compiledGroupsResult != c.expected {
                failures.append("#\(index) \(c.name): expected \(c.expected), got \(result) (\(compiledGroupsResult) with compiled groups)")
            }
        }
        print("evalCondition: \(cases.count - failures.count)/\(cases.count) passed")
        #expect(cases.count == 248)
        #expect(failures.isEmpty, "failing evalCondition cases:\n\(failures.joined(separator: "\n"))")
    }

    /// Where the strict compiler accepts a condition it must agree with the SDK; the conditions it refuses are the
    /// malformed ones the suite uses to test the SDK's fallbacks, all of which the SDK evaluates to false.
    @Test func strictCompileAgreesOrRejects() throws {
        let cases = try Self.cases()
        var disagreements: [String] = []
        var rejected: [String] = []
        for (index, c) in cases.enumerated() {
            do {
                let condition = try Condition(c.condition)
                let result = condition.evaluate(c.attributes, savedGroups: c.savedGroups)
                if result != c.expected { disagreements.append("#\(index) \(c.name)") }
            } catch {
                rejected.append("#\(index) \(c.name) -> \(error)")
                if c.expected { disagreements.append("#\(index) \(c.name) rejected but the SDK passes it") }
            }
        }
        print("evalCondition strict: \(rejected.count) rejected\n  " + rejected.joined(separator: "\n  "))
        #expect(disagreements.isEmpty, "strict and SDK disagree:\n\(disagreements.joined(separator: "\n"))")
    }
}
